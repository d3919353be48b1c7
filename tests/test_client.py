"""What the adapter puts on the wire, checked with ``httpx2.MockTransport`` (pure mapping).

How the real proxy answers (errors, streaming, fallbacks) is tested against the proxy itself and
its cassettes in ``tests/test_client_proxy.py``.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx2
import openai
import pydantic
import pytest

from clawdbot_litellm import AsyncClient, Client, load_config
from clawdbot_litellm.errors import (
    ConfigError,
    StreamInterruptedError,
    UnsupportedAPIError,
    UnsupportedInputError,
)
from clawdbot_litellm.settings import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, client_settings

COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "hi there"},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500},
}

CONFIG = """{
  agents: { defaults: { model: { primary: "litellm/gpt-4" } } },
  models: { providers: {
    litellm: {
      baseUrl: "http://proxy.test:4000/v1/", apiKey: "${LITELLM_API_KEY}",
      headers: { "X-Team": "provider", "X-Shared": "provider" },
      models: [
        { id: "gpt-4", name: "GPT-4", cost: { input: 30, output: 60 },
          headers: { "X-Shared": "model" } },
        { id: "openai/gpt-4o", name: "4o", input: ["text", "image"] },
      ],
    },
    "custom-proxy": { baseUrl: "https://api.example.test/api/v1", apiKey: "ck", models: [
      { id: "m1", name: "M1" } ] },
    anthropic: { baseUrl: "https://anthropic.test", api: "anthropic-messages", models: [
      { id: "claude", name: "Claude" } ] },
  } },
}"""


class Recorder:
    """A MockTransport handler that answers with canned JSON and keeps the requests."""

    def __init__(self, body: Any = None) -> None:
        self.requests: list[httpx2.Request] = []
        self.body = COMPLETION if body is None else body

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        return httpx2.Response(200, json=self.body)

    def json(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    path = tmp_path / "clawdbot.json"
    path.write_text(CONFIG)
    with pytest.warns(UserWarning, match="/v1"):
        return load_config(path, environ={"LITELLM_API_KEY": "sk-unit-001"})


def make_client(config: Any, recorder: Recorder, **options: Any) -> Client:
    return Client(
        config, http_client=httpx2.Client(transport=httpx2.MockTransport(recorder)), **options
    )


def test_litellm_base_url_gets_v1_once_and_others_are_used_as_written(config: Any) -> None:
    recorder = Recorder()
    with make_client(config, recorder) as client:
        client.chat("hi")
        client.chat("hi", model="custom-proxy/m1")
    assert str(recorder.requests[0].url) == "http://proxy.test:4000/v1/chat/completions"
    assert str(recorder.requests[1].url) == "https://api.example.test/api/v1/chat/completions"


def test_key_and_headers_overlay(config: Any) -> None:
    recorder = Recorder()
    with make_client(config, recorder) as client:
        client.chat("hi")
    headers = recorder.requests[0].headers
    assert headers["authorization"] == "Bearer sk-unit-001"
    assert headers["x-team"] == "provider"
    assert headers["x-shared"] == "model"


def test_no_key_sends_no_authorization_header(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.json", environ={})
    recorder = Recorder()
    with make_client(config, recorder) as client:
        client.chat("hi")
    assert "authorization" not in recorder.requests[0].headers
    assert str(recorder.requests[0].url) == "http://localhost:4000/v1/chat/completions"


def test_body_carries_the_mapping_and_result_has_cost(config: Any) -> None:
    recorder = Recorder()
    with make_client(config, recorder) as client:
        result = client.chat("hi", system="be brief", max_tokens=100)
    body = recorder.json()
    assert body["model"] == "gpt-4"
    assert body["max_completion_tokens"] == 100
    assert body["messages"][0] == {"role": "system", "content": "be brief"}
    assert result.text == "hi there"
    assert result.ref == "litellm/gpt-4"
    assert result.usage is not None
    assert result.usage.total_tokens == 1500
    assert result.cost == pytest.approx((1000 * 30 + 500 * 60) / 1_000_000)


def test_model_ids_with_slashes_and_aliases_reach_the_wire(config: Any) -> None:
    recorder = Recorder()
    with make_client(config, recorder) as client:
        client.chat("hi", model="litellm/openai/gpt-4o")
    assert recorder.json()["model"] == "openai/gpt-4o"


def test_one_pooled_openai_client_per_provider(config: Any) -> None:
    with make_client(config, Recorder()) as client:
        assert client.openai_client("litellm") is client.openai_client("litellm")
        assert client.openai_client("litellm") is not client.openai_client("custom-proxy")
    assert client._clients == {}


def test_non_completions_provider_is_refused_before_sending(config: Any) -> None:
    recorder = Recorder()
    with (
        make_client(config, recorder) as client,
        pytest.raises(UnsupportedAPIError, match="anthropic-messages"),
    ):
        client.chat("hi", model="anthropic/claude")
    assert recorder.requests == []


def test_repr_never_shows_the_key(config: Any) -> None:
    with make_client(config, Recorder()) as client:
        assert "sk-unit-001" not in repr(client)
        assert "sk-unit-001" not in repr(client.config)
        assert "sk-unit-001" not in repr(client.config.providers)


def test_timeout_and_retries_from_arguments_environment_and_defaults() -> None:
    assert client_settings(None, None, {}) == (DEFAULT_TIMEOUT, DEFAULT_MAX_RETRIES)
    env = {"CLAWDBOT_LITELLM_TIMEOUT": "7.5", "CLAWDBOT_LITELLM_MAX_RETRIES": "0"}
    assert client_settings(None, None, env) == (7.5, 0)
    assert client_settings(3, 5, env) == (3.0, 5)
    with pytest.raises(ConfigError, match="CLAWDBOT_LITELLM_TIMEOUT='soon' is not a number"):
        client_settings(None, None, {"CLAWDBOT_LITELLM_TIMEOUT": "soon"})
    with pytest.raises(ConfigError, match="must not be negative"):
        client_settings(None, None, {"CLAWDBOT_LITELLM_MAX_RETRIES": "-1"})


def test_settings_reach_the_openai_client(config: Any) -> None:
    with make_client(config, Recorder(), timeout=9.0, max_retries=4) as client:
        api = client.openai_client()
        assert api.max_retries == 4
        assert api.timeout == 9.0


def sse(*events: Any) -> bytes:
    lines = [f"data: {json.dumps(e)}\n\n" for e in events]
    return "".join(lines).encode()


def chunk(content: str | None = None, finish: str | None = None, **delta: Any) -> dict[str, Any]:
    if content is not None:
        delta["content"] = content
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def stream_client(config: Any, body: bytes) -> Client:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=body, headers={"content-type": "text/event-stream"})

    return Client(config, http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))


def test_stream_yields_text_and_reasoning_and_reports_length(config: Any) -> None:
    usage = {**chunk(), "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2}}
    body = (
        sse(
            chunk(reasoning_content="thinking"),
            chunk("Hel"),
            chunk("lo", finish="length"),
            usage,
        )
        + b"data: [DONE]\n\n"
    )
    with stream_client(config, body) as client:
        stream = client.stream("hi")
        events = [(e.kind, e.text) for e in stream]
    assert events == [("reasoning", "thinking"), ("text", "Hel"), ("text", "lo")]
    assert stream.result.text == "Hello"
    assert stream.result.reasoning == "thinking"
    assert stream.result.truncated
    assert stream.result.usage is not None
    assert stream.result.usage.completion_tokens == 2


def test_reasoning_is_read_under_either_name_streamed_or_not(config: Any) -> None:
    # LiteLLM says reasoning_content; some upstreams say reasoning (LiteLLM renames it, but a
    # provider that is not LiteLLM may not).
    body = sse(
        chunk(reasoning="step one; "), chunk(reasoning_content="step two"), chunk("ok", "stop")
    )
    with stream_client(config, body + b"data: [DONE]\n\n") as client:
        streamed = client.stream("hi")
        events = [(e.kind, e.text) for e in streamed]
    assert events[:2] == [("reasoning", "step one; "), ("reasoning", "step two")]
    assert streamed.result.reasoning == "step one; step two"
    message = {"role": "assistant", "content": "ok", "reasoning_content": "because"}
    answer = {**COMPLETION, "choices": [{**COMPLETION["choices"][0], "message": message}]}
    with make_client(config, Recorder(answer)) as client:
        assert client.chat("hi").reasoning == "because"
    plain = {**COMPLETION, "choices": [{**COMPLETION["choices"][0]}]}
    with make_client(config, Recorder(plain)) as client:
        assert client.chat("hi").reasoning == ""


def test_stream_that_stops_without_finish_reason_raises(config: Any) -> None:
    body = sse(chunk("Hel"), chunk("lo"))  # no finish_reason, no [DONE]: the server went away
    with stream_client(config, body) as client:
        stream = client.stream("hi")
        with pytest.raises(StreamInterruptedError, match="ended before the proxy said"):
            list(stream)


def test_result_before_the_end_is_an_error(config: Any) -> None:
    with stream_client(config, sse(chunk("a", finish="stop"))) as client:
        stream = client.stream("hi")
        with pytest.raises(RuntimeError, match="not been read"):
            _ = stream.result


def test_async_twin_maps_the_same_way(config: Any) -> None:
    recorder = Recorder()

    async def run() -> Any:
        transport = httpx2.MockTransport(recorder)
        async with AsyncClient(
            config, http_client=httpx2.AsyncClient(transport=transport)
        ) as client:
            return await client.chat("hi", system="s", max_tokens=10)

    result = asyncio.run(run())
    assert result.text == "hi there"
    body = recorder.json()
    assert body["max_completion_tokens"] == 10
    assert body["messages"][0]["role"] == "system"
    assert recorder.requests[0].headers["x-shared"] == "model"


def test_both_twins_build_from_the_environment_alone() -> None:
    environ = {"LITELLM_BASE_URL": "http://proxy.test:9000/", "LITELLM_MODEL": "claude-3-opus"}
    recorder = Recorder()
    transport = httpx2.MockTransport(recorder)
    with Client.from_env(environ=environ, http_client=httpx2.Client(transport=transport)) as c:
        c.chat("hi")
    assert str(recorder.requests[0].url) == "http://proxy.test:9000/v1/chat/completions"
    assert recorder.json()["model"] == "claude-3-opus"

    async def run() -> None:
        async_http = httpx2.AsyncClient(transport=transport)
        async with AsyncClient.from_env(environ=environ, http_client=async_http) as c:
            await c.chat("hi")

    asyncio.run(run())
    assert recorder.json()["model"] == "claude-3-opus"
    assert len(recorder.requests) == 2
    assert all("authorization" not in r.headers for r in recorder.requests)


STREAM_PARTS = [part + b"\n\n" for part in sse(chunk("Hel"), chunk("lo")).split(b"\n\n") if part]


def _breaks_off() -> Iterator[bytes]:
    """A streamed answer whose connection breaks after two chunks, with the error httpx2 raises
    when the peer resets the connection (what ``--live`` sees from a dying proxy)."""
    yield from STREAM_PARTS
    raise httpx2.ReadError("connection reset by peer")


async def _breaks_off_async() -> AsyncIterator[bytes]:
    for part in STREAM_PARTS:
        yield part
    raise httpx2.ReadError("connection reset by peer")


def _breaking(request: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(
        200, content=_breaks_off(), headers={"content-type": "text/event-stream"}
    )


async def _breaking_async(request: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(
        200, content=_breaks_off_async(), headers={"content-type": "text/event-stream"}
    )


BROKE_OFF = (
    "litellm/gpt-4: the connection to http://proxy.test:4000/v1 broke off mid-answer after 5 "
    "characters (connection reset by peer)"
)


def test_a_connection_that_breaks_mid_stream_raises_interrupted(config: Any) -> None:
    client = Client(config, http_client=httpx2.Client(transport=httpx2.MockTransport(_breaking)))
    received: list[str] = []
    with client, pytest.raises(StreamInterruptedError) as caught:
        received.extend(event.text for event in client.stream("hi", fallbacks=False))
    assert received == ["Hel", "lo"]
    assert str(caught.value).startswith(BROKE_OFF)


def test_the_async_twin_raises_interrupted_the_same_way(config: Any) -> None:
    received: list[str] = []

    async def read() -> None:
        transport = httpx2.MockTransport(_breaking_async)
        async with AsyncClient(config, http_client=httpx2.AsyncClient(transport=transport)) as c:
            stream = await c.stream("hi", fallbacks=False)
            async for event in stream:
                received.append(event.text)

    with pytest.raises(StreamInterruptedError) as caught:
        asyncio.run(read())
    assert received == ["Hel", "lo"]
    assert str(caught.value).startswith(BROKE_OFF)


# --- templates: what does not depend on the prompt is worked out once per option set -----------


@pytest.fixture
def templates_made(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The options of every template the client works out."""
    import clawdbot_litellm.client as client_module

    made: list[Any] = []
    real = client_module.request_template

    def counting(*args: Any, **kwargs: Any) -> Any:
        made.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(client_module, "request_template", counting)
    return made


WEATHER = {
    "type": "function",
    "function": {
        "name": "weather",
        "description": "The weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def test_a_repeated_option_set_reuses_its_template(config: Any, templates_made: list[Any]) -> None:
    recorder = Recorder()
    with make_client(config, recorder) as client:
        for prompt in ("one", "two", "three", "four"):
            client.chat(prompt)
        # The shared defaults hold nothing a caller can change: made once, then reused.
        assert len(templates_made) == 1
        for prompt in ("five", "six", "seven"):
            client.chat(prompt, system="be brief", max_tokens=100, user="u", tags=["t"])
        # A caller's options: made on first sight, made again (and kept) when they come back.
        assert len(templates_made) == 3
        client.stream("eight").close()  # sent when opened
        assert len(templates_made) == 4  # a stream is a request of another shape
    bodies = [recorder.json(i) for i in range(len(recorder.requests))]
    assert [b["messages"][-1]["content"] for b in bodies] == [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
    ]
    assert bodies[4]["messages"][0] == {"role": "system", "content": "be brief"}
    system, last = bodies[4]["messages"][0], bodies[6]["messages"][1]
    assert bodies[6] == {**bodies[4], "messages": [system, last]}


def test_tools_and_dicts_are_reused_while_they_hold_the_same(
    config: Any, templates_made: list[Any]
) -> None:
    tools = [copy.deepcopy(WEATHER)]
    extra = {"temperature": 0.5}
    metadata = {"team": "a"}
    recorder = Recorder()
    with make_client(config, recorder) as client:
        for _ in range(4):
            client.chat("hi", tools=tools, extra=extra, metadata=metadata)
        assert len(templates_made) == 2
        # The caller changes a dict it passed before: the next request says what it says now.
        tools[0]["function"]["description"] = "Today's weather."
        client.chat("hi", tools=tools, extra=extra, metadata=metadata)
        extra["temperature"] = 0.7
        client.chat("hi", tools=tools, extra=extra, metadata=metadata)
        metadata["team"] = "b"
        client.chat("hi", tools=tools, extra=extra, metadata=metadata)
        assert len(templates_made) == 5
    sent = [recorder.json(i) for i in range(len(recorder.requests))]
    assert [b["tools"][0]["function"]["description"] for b in sent] == [
        *["The weather in a city."] * 4,
        *["Today's weather."] * 3,
    ]
    assert [b["temperature"] for b in sent] == [0.5] * 5 + [0.7] * 2
    assert [b["metadata"] for b in sent] == [{"team": "a"}] * 6 + [{"team": "b"}]
    assert metadata == {"team": "b"}  # the caller's own dict is never changed


def test_new_tools_for_every_request_are_never_copied(
    config: Any, templates_made: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import clawdbot_litellm.client as client_module

    copies: list[Any] = []
    monkeypatch.setattr(client_module, "_snapshot", copies.append)
    with make_client(config, Recorder()) as client:
        for _ in range(5):
            client.chat("hi", tools=[copy.deepcopy(WEATHER)])
    assert len(templates_made) == 5
    assert copies == []


def test_options_that_cannot_be_copied_are_mapped_afresh_each_time(
    config: Any, templates_made: list[Any]
) -> None:
    class Uncopyable(dict[str, Any]):
        def __deepcopy__(self, memo: Any) -> Any:
            raise TypeError("no copies")

    extra = Uncopyable(temperature=0.5)
    recorder = Recorder()
    with make_client(config, recorder) as client:
        for _ in range(3):
            client.chat("hi", extra=extra)
    assert len(templates_made) == 3
    assert [recorder.json(i)["temperature"] for i in range(3)] == [0.5] * 3


def test_a_template_is_not_changed_by_the_requests_made_from_it(config: Any) -> None:
    recorder = Recorder()
    with make_client(config, recorder) as client:
        client.chat("first")
        ((_target, _contents, template, _options),) = client._templates.values()
        before = dict(template.body)
        client.chat("second")
    assert template.body == before
    assert "messages" not in template.body
    assert recorder.json(1)["messages"] == [{"role": "user", "content": "second"}]


def test_a_template_is_worked_out_again_for_a_new_config(tmp_path: Path, config: Any) -> None:
    recorder = Recorder()
    with make_client(config, recorder) as client:
        client.chat("hi")
        path = tmp_path / "other.json"
        path.write_text(CONFIG.replace('"X-Shared": "model"', '"X-Shared": "changed"'))
        with pytest.warns(UserWarning, match="/v1"):
            client.config = load_config(path, environ={"LITELLM_API_KEY": "sk-unit-001"})
        client.chat("hi")
    assert [r.headers["x-shared"] for r in recorder.requests] == ["model", "changed"]


def test_default_options_are_one_shared_instance_and_wrong_types_still_fail(config: Any) -> None:
    from clawdbot_litellm.client import _options
    from clawdbot_litellm.errors import UnsupportedInputError
    from clawdbot_litellm.request import DEFAULT_OPTIONS

    assert _options(None, None, None, (), None) is DEFAULT_OPTIONS
    assert _options(None, None, None, (), {}) is DEFAULT_OPTIONS
    assert _options("s", None, None, (), None) is not DEFAULT_OPTIONS
    with (
        make_client(config, Recorder()) as client,
        pytest.raises(UnsupportedInputError, match="extra must be a dict, not list"),
    ):
        client.chat("hi", extra=[])  # type: ignore[arg-type]


def test_options_of_a_type_that_cannot_be_a_key_get_the_mappings_own_answer(config: Any) -> None:
    recorder = Recorder()
    with (
        make_client(config, recorder) as client,
        pytest.raises(UnsupportedInputError, match="tags must be strings"),
    ):
        client.chat("hi", tags=[["nested"]])  # type: ignore[list-item]
    assert recorder.requests == []


def test_stream_events_are_the_public_type_in_every_respect(config: Any) -> None:
    from clawdbot_litellm import StreamEvent, ToolCall

    body = sse(chunk(reasoning_content="r"), chunk("t", "stop")) + b"data: [DONE]\n\n"
    with stream_client(config, body) as client:
        events = list(client.stream("hi"))
    assert events == [StreamEvent("reasoning", "r"), StreamEvent("text", "t")]
    assert [repr(e) for e in events] == [
        "StreamEvent(kind='reasoning', text='r', tool_call=None)",
        "StreamEvent(kind='text', text='t', tool_call=None)",
    ]
    assert hash(events[1]) == hash(StreamEvent("text", "t"))
    with pytest.raises(AttributeError):
        events[1].text = "changed"  # type: ignore[misc]
    call = ToolCall("id", "f", "{}")
    assert StreamEvent("tool_call", "", call).tool_call == call


# --- the adapter posts exactly what ``chat.completions.create`` would send ---------------------


class Answer(pydantic.BaseModel):
    city: str


ANSWER_JSON = '{"city": "Paris"}'  # text that is also an Answer, for any response format


class BothAnswers(Recorder):
    """Answers a streamed request with events and any other with a completion."""

    def __init__(self) -> None:
        completion = copy.deepcopy(COMPLETION)
        completion["choices"][0]["message"]["content"] = ANSWER_JSON
        super().__init__(completion)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if json.loads(request.content).get("stream"):
            body = sse(chunk(ANSWER_JSON, "stop")) + b"data: [DONE]\n\n"
            return httpx2.Response(200, content=body, headers={"content-type": "text/event-stream"})
        return httpx2.Response(200, json=self.body)


HISTORY = [
    {"role": "system", "content": "be brief"},
    {"role": "user", "content": "weather?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}
        ],
    },
    {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
]
# Every part of a request the mapping can set, alone and together.
WIRE_CASES: dict[str, tuple[Any, dict[str, Any]]] = {
    "plain": ("hi", {}),
    "history": (HISTORY, {"tools": [WEATHER]}),
    "images": (
        "what is this?",
        {"model": "litellm/openai/gpt-4o", "images": ["data:image/png;base64,AA=="]},
    ),
    "everything": (
        "hi",
        {
            "system": "be brief",
            "max_tokens": 100,
            "tools": [WEATHER],
            "tool_choice": "auto",
            "response_format": Answer,
            "user": "alice",
            "tags": ["ci"],
            "metadata": {"job": "42"},
            "extra": {
                "temperature": 0.2,
                "seed": 7,
                "a_provider_parameter": True,
                "extra_headers": {"X-Caller": "c"},
                "extra_body": {"metadata": {"trace_id": "t"}, "fallbacks": ["gpt-4o"]},
                "extra_query": {"debug": "1"},
            },
        },
    ),
}


def _on_the_wire(request: httpx2.Request) -> dict[str, Any]:
    return {
        "method": request.method,
        "url": str(request.url),
        "headers": dict(request.headers),
        "body": json.loads(request.content),
    }


def _the_one_template(client: Client | AsyncClient) -> Any:
    ((_target, _contents, template, _options),) = client._templates.values()
    return template


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
@pytest.mark.parametrize("case", list(WIRE_CASES))
def test_the_adapter_sends_what_create_would(config: Any, case: str, stream: bool) -> None:
    from clawdbot_litellm.client import create_kwargs

    prompt, arguments = WIRE_CASES[case]
    recorder = BothAnswers()
    with make_client(config, recorder) as client:
        if stream:
            list(client.stream(prompt, **arguments))
        else:
            client.chat(prompt, **arguments)
        prepared = _the_one_template(client).prepare(prompt)
        raw = client.openai_client().chat.completions.with_raw_response.create(
            **create_kwargs(prepared)
        )
        raw.parse()
    adapter, create = (_on_the_wire(r) for r in recorder.requests)
    assert adapter == create
    assert adapter["headers"]["x-stainless-raw-response"] == "true"


def test_a_keyless_provider_sends_what_create_would(tmp_path: Path) -> None:
    from clawdbot_litellm.client import create_kwargs

    config = load_config(tmp_path / "absent.json", environ={})
    recorder = BothAnswers()
    with make_client(config, recorder) as client:
        client.chat("hi")
        kwargs = create_kwargs(_the_one_template(client).prepare("hi"))
        # What a raw-client caller with no key must say for openai to send the request at all.
        kwargs["extra_headers"] = {**kwargs.get("extra_headers", {}), "Authorization": openai.omit}
        client.openai_client().chat.completions.with_raw_response.create(**kwargs)
    adapter, create = (_on_the_wire(r) for r in recorder.requests)
    assert adapter == create
    assert "authorization" not in adapter["headers"]


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_the_async_twin_sends_what_create_would(config: Any, stream: bool) -> None:
    from clawdbot_litellm.client import create_kwargs

    prompt, arguments = WIRE_CASES["everything"]
    recorder = BothAnswers()

    async def both() -> None:
        http = httpx2.AsyncClient(transport=httpx2.MockTransport(recorder))
        async with AsyncClient(config, http_client=http) as client:
            if stream:
                answer = await client.stream(prompt, **arguments)
                async for _event in answer:
                    pass
            else:
                await client.chat(prompt, **arguments)
            prepared = _the_one_template(client).prepare(prompt)
            raw = await client.openai_client().chat.completions.with_raw_response.create(
                **create_kwargs(prepared)
            )
            raw.parse()

    asyncio.run(both())
    adapter, create = (_on_the_wire(r) for r in recorder.requests)
    assert adapter == create


def test_create_kwargs_name_what_create_takes_and_carry_the_rest_in_extra_body(
    config: Any,
) -> None:
    from clawdbot_litellm.client import create_kwargs

    prompt, arguments = WIRE_CASES["everything"]
    recorder = BothAnswers()
    with make_client(config, recorder) as client:
        client.chat(prompt, **arguments)
        kwargs = create_kwargs(_the_one_template(client).prepare(prompt))
    assert kwargs["temperature"] == 0.2
    assert kwargs["extra_body"]["a_provider_parameter"] is True
    assert kwargs["extra_body"]["fallbacks"] == ["gpt-4o"]
    assert kwargs["extra_headers"]["X-Caller"] == "c"
    assert kwargs["extra_query"] == {"debug": "1"}
