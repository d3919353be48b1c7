"""Tools and structured output, pure parts: definitions, request mapping, streamed-call assembly.

What the real proxy does with them is in ``tests/test_tools_proxy.py`` (cassettes).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path
from typing import Any

import httpx2
import pytest
from hypothesis import given, strategies as st
from openai.types.chat import ChatCompletionChunk
from pydantic import BaseModel

from clawdbot_litellm import (
    AsyncClient,
    ChatResult,
    Client,
    StructuredOutputError,
    ToolArgumentsError,
    ToolCall,
    ToolDefinitionError,
    UnsupportedInputError,
    load_config,
)
from clawdbot_litellm.request import OWNED_KEYS
from clawdbot_litellm.tools import ToolCallAssembler, tool_definitions

CONFIG = """{
  agents: { defaults: { model: { primary: "litellm/gpt-4" } } },
  models: { providers: { litellm: {
    baseUrl: "http://proxy.test:4000", apiKey: "${LITELLM_API_KEY}",
    models: [ { id: "gpt-4", name: "GPT-4", headers: { "X-Model": "m" } } ] } } },
}"""
COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
    ],
}


@pytest.fixture
def config(tmp_path: Path) -> Any:
    path = tmp_path / "clawdbot.json"
    path.write_text(CONFIG)
    return load_config(path, environ={"LITELLM_API_KEY": "sk-unit-001"})


class Wire:
    """A MockTransport handler that keeps what was sent and answers ``body`` (JSON or SSE)."""

    def __init__(self, body: Any = None) -> None:
        self.requests: list[httpx2.Request] = []
        self.body = COMPLETION if body is None else body

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if isinstance(self.body, bytes):
            return httpx2.Response(
                200, content=self.body, headers={"content-type": "text/event-stream"}
            )
        return httpx2.Response(200, json=self.body)

    def sent(self) -> Any:
        return json.loads(self.requests[-1].content)


def client(config: Any, wire: Wire) -> Client:
    return Client(
        config, http_client=httpx2.Client(transport=httpx2.MockTransport(wire)), max_retries=0
    )


# --- tool definitions ----------------------------------------------------------------------------


def search_docs(query: str, limit: int = 5, *, exact: bool | None = None) -> list[str]:
    """Search the documentation.

    This second paragraph is not part of the description.
    """
    return []


class LookUp(BaseModel):
    """Look a word up."""

    word: str


def test_a_function_becomes_a_definition_from_its_hints_and_docstring() -> None:
    [definition] = tool_definitions([search_docs])
    function = definition["function"]
    assert function["name"] == "search_docs"
    assert function["description"] == "Search the documentation."
    parameters = function["parameters"]
    assert parameters["type"] == "object"
    assert parameters["required"] == ["query"]
    assert parameters["properties"]["query"]["type"] == "string"
    assert parameters["properties"]["limit"]["type"] == "integer"


def test_a_pydantic_class_is_a_tool_named_after_the_class() -> None:
    [definition] = tool_definitions([LookUp])
    assert definition["function"]["name"] == "LookUp"
    assert definition["function"]["description"] == "Look a word up."
    assert definition["function"]["parameters"]["required"] == ["word"]


def _tool(name: Any = "t", parameters: Any = None) -> dict[str, Any]:
    function: dict[str, Any] = {"name": name}
    if parameters is not None:
        function["parameters"] = parameters
    return {"type": "function", "function": function}


def varargs(*items: str) -> None:
    """Takes anything."""


@pytest.mark.parametrize(
    ("tools", "tool_choice", "message"),
    [
        ([_tool(None)], None, "tool 0 has no name"),
        ([_tool("has space")], None, "'has space' is refused by the API"),
        ([_tool("x" * 65)], None, "is refused by the API"),
        ([_tool("t", {"type": "string"})], None, "parameters must be a JSON-schema object"),
        ([_tool("t"), _tool("t")], None, "two tools are named 't'"),
        ([{"name": "t"}], None, "not an OpenAI function tool"),
        (
            [_tool("t")],
            "other",
            "tool_choice='other' names no tool; use auto, none, required or one of t",
        ),
        ([], "auto", "without tools"),
        ([varargs], None, "'varargs': \\*items"),
        ([42], None, "tool 0 is a int"),
        ([lambda x: x], None, "'<lambda>' is refused"),
    ],
)
def test_a_bad_tool_is_refused_before_sending(
    config: Any, tools: list[Any], tool_choice: str | None, message: str
) -> None:
    wire = Wire()
    with client(config, wire) as c, pytest.raises(ToolDefinitionError, match=message):
        c.chat("hi", tools=tools, tool_choice=tool_choice)
    assert wire.requests == []
    assert issubclass(ToolDefinitionError, UnsupportedInputError)


def test_tools_and_a_named_tool_choice_go_out_in_openai_shape(config: Any) -> None:
    wire = Wire()
    with client(config, wire) as c:
        c.chat("hi", tools=[search_docs, LookUp, _tool("raw")], tool_choice="LookUp")
    sent = wire.sent()
    assert [t["function"]["name"] for t in sent["tools"]] == ["search_docs", "LookUp", "raw"]
    assert sent["tool_choice"] == {"type": "function", "function": {"name": "LookUp"}}


# --- tool calls coming back ----------------------------------------------------------------------


def test_malformed_arguments_name_the_tool_the_call_and_the_spot() -> None:
    call = ToolCall("call_9", "search_docs", '{"query": "x",, }')
    with pytest.raises(ToolArgumentsError) as caught:
        call.parsed_arguments()
    message = str(caught.value)
    assert "call_9" in message
    assert "search_docs" in message
    assert "line 1 column 15" in message
    assert caught.value.arguments == call.arguments == '{"query": "x",, }'
    with pytest.raises(ToolArgumentsError, match="not an object"):
        ToolCall("c", "t", "[1]").parsed_arguments()
    assert ToolCall("c", "t", "").parsed_arguments() == {}


def test_a_non_streamed_answer_keeps_its_tool_calls_and_message(config: Any) -> None:
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "a", "arguments": '{"x": 1}'},
            },
            {"id": "call_2", "type": "function", "function": {"name": "b", "arguments": "{}"}},
        ],
    }
    body = {
        **COMPLETION,
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
    }
    with client(config, Wire(body)) as c:
        result = c.chat("hi", tools=[_tool("a"), _tool("b")])
    assert result.tool_calls == (ToolCall("call_1", "a", '{"x": 1}'), ToolCall("call_2", "b", "{}"))
    assert result.message() == message
    assert result.parsed is None


def test_a_tool_result_for_an_unknown_call_is_refused_with_the_known_ids(config: Any) -> None:
    calls = (ToolCall("call_1", "a", "{}"),)
    history = [
        {"role": "user", "content": "hi"},
        ChatResult("r", "", "", "tool_calls", None, None, tool_calls=calls).message(),
        {"role": "tool", "tool_call_id": "call_7", "content": "done"},
    ]
    wire = Wire()
    with client(config, wire) as c:
        with pytest.raises(UnsupportedInputError, match=r"'call_7'.*calls made: call_1"):
            c.chat(history)
        history[2]["tool_call_id"] = "call_1"
        c.chat(history)
    assert wire.sent()["messages"][2] == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": "done",
    }
    assert "tools" not in wire.sent()


# --- structured output ---------------------------------------------------------------------------


def test_response_format_is_a_strict_json_schema(config: Any) -> None:
    wire = Wire()
    schema = {"title": "My answer!", "type": "object", "properties": {"a": {"type": "string"}}}
    with client(config, wire) as c:
        with pytest.raises(StructuredOutputError, match="not JSON"):
            c.chat("hi", response_format=LookUp)  # the canned answer "ok" is not JSON
        sent_class = wire.sent()["response_format"]
        with pytest.raises(StructuredOutputError, match="not JSON"):
            c.chat("hi", response_format=schema)  # the canned answer "ok" is not JSON
        sent_dict = wire.sent()["response_format"]
    assert sent_class == {
        "type": "json_schema",
        "json_schema": {
            "name": "LookUp",
            "schema": {**LookUp.model_json_schema(), "additionalProperties": False},
            "strict": True,
        },
    }
    assert sent_dict == {
        "type": "json_schema",
        "json_schema": {
            "name": "My_answer_",
            "schema": {
                "title": "My answer!",
                "type": "object",
                "properties": {"a": {"type": ["string", "null"]}},  # optional: nullable
                "additionalProperties": False,
                "required": ["a"],
            },
            "strict": True,
        },
    }
    assert schema["properties"] == {"a": {"type": "string"}}  # the caller's dict is not changed


def answering(text: str) -> Wire:
    """A wire whose completion's text is ``text``."""
    message = {"role": "assistant", "content": text}
    return Wire({**COMPLETION, "choices": [{**COMPLETION["choices"][0], "message": message}]})


CITY = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "note": {"type": "string"}},
    "required": ["city"],
}


def test_a_plain_dict_schema_goes_out_strict_and_parsed_is_what_it_describes(config: Any) -> None:
    before = json.dumps(CITY)
    wire = answering('{"city": "Paris", "note": null}')
    with client(config, wire) as c:
        result = c.chat("hi", response_format=CITY)
    assert wire.sent()["response_format"]["json_schema"]["schema"] == {
        "type": "object",
        "properties": {"city": {"type": "string"}, "note": {"type": ["string", "null"]}},
        "required": ["city", "note"],
        "additionalProperties": False,
    }
    assert json.dumps(CITY) == before  # the caller's dict is not changed
    assert result.text == '{"city": "Paris", "note": null}'  # the answer as sent
    assert result.parsed == {"city": "Paris"}  # the null only meant "no note"


def test_the_async_twin_parses_a_dict_schema_the_same_way(config: Any) -> None:
    wire = answering('{"city": "Paris", "note": "sunny"}')

    async def run() -> Any:
        http = httpx2.AsyncClient(transport=httpx2.MockTransport(wire))
        async with AsyncClient(config, http_client=http, max_retries=0) as c:
            return await c.chat("hi", response_format=CITY)

    assert asyncio.run(run()).parsed == {"city": "Paris", "note": "sunny"}
    assert wire.sent()["response_format"]["json_schema"]["schema"]["required"] == ["city", "note"]


def test_a_null_for_a_required_property_is_still_a_structured_output_error(config: Any) -> None:
    with (
        client(config, answering('{"city": null, "note": null}')) as c,
        pytest.raises(StructuredOutputError) as caught,
    ):
        c.chat("hi", response_format=CITY)
    assert "the schema at $.city: None is not of type string (it is null)" in str(caught.value)


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (
            {**CITY, "additionalProperties": True},
            "response_format cannot be sent as a strict schema: #/additionalProperties is true: "
            "strict structured output only takes objects with fixed properties; remove it "
            "(objects are sent closed) or list the properties",
        ),
        (
            {**CITY, "properties": {"city": {"type": "string", "allOf": [{"minLength": 1}]}}},
            "response_format cannot be sent as a strict schema: #/properties/city/allOf is not "
            "supported by strict structured output (OpenAI's structured-outputs guide); merge "
            "its schemas into one",
        ),
        (
            {**CITY, "required": ["town"]},
            "response_format cannot be sent as a strict schema: #/required lists 'town', which "
            "is not in properties: strict structured output needs a schema for every property; "
            "add it to properties",
        ),
    ],
)
def test_a_dict_strict_mode_cannot_take_is_refused_before_sending(
    config: Any, schema: dict[str, Any], message: str
) -> None:
    wire = Wire()
    with client(config, wire) as c, pytest.raises(UnsupportedInputError) as caught:
        c.chat("hi", response_format=schema)
    assert str(caught.value) == message
    assert wire.requests == []


def test_an_invalid_schema_is_refused_before_sending(config: Any) -> None:
    wire = Wire()
    with (
        client(config, wire) as c,
        pytest.raises(UnsupportedInputError, match="#/type must be one of object"),
    ):
        c.chat("hi", response_format={"type": "no-such-type"})
    assert wire.requests == []


# --- extra cannot break the mapping --------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(OWNED_KEYS))
def test_owned_keys_in_extra_are_refused_naming_the_argument(config: Any, key: str) -> None:
    wire = Wire()
    with (
        client(config, wire) as c,
        pytest.raises(UnsupportedInputError, match=f"extra\\['{key}'\\].*use "),
    ):
        c.chat("hi", extra={key: 2})
    with client(config, wire) as c, pytest.raises(UnsupportedInputError, match=key):
        c.chat("hi", extra={"extra_body": {key: 2}})
    assert wire.requests == []


def test_stream_true_in_extra_is_our_error_not_an_attribute_error(config: Any) -> None:
    with client(config, Wire()) as c, pytest.raises(UnsupportedInputError, match="stream\\(\\)"):
        c.chat("hi", extra={"stream": True})


def test_n_of_one_is_accepted(config: Any) -> None:
    wire = Wire()
    with client(config, wire) as c:
        c.chat("hi", extra={"n": 1})
    assert "n" not in wire.sent()


def test_headers_and_body_from_extra_are_merged_with_ours(config: Any) -> None:
    wire = Wire()
    with client(config, wire) as c:
        c.chat(
            "hi",
            extra={
                "extra_headers": {"X-Caller": "c", "X-Model": "caller"},
                "extra_body": {"metadata": {"a": 1}},
                "mock_testing_flag": True,  # no openai parameter: goes in the body
            },
        )
    request = wire.requests[-1]
    assert request.headers["x-caller"] == "c"
    assert request.headers["x-model"] == "m"  # the model definition's header wins
    assert request.headers["authorization"] == "Bearer sk-unit-001"
    sent = wire.sent()
    assert sent["metadata"] == {"a": 1}
    assert sent["mock_testing_flag"] is True
    assert sent["model"] == "gpt-4"


@pytest.mark.parametrize(
    "extra",
    [
        {1: 2},
        {"temperature": object()},
        {"extra_headers": "x"},
        {"extra_headers": {"a": 1}},
        {"x": float("nan")},
    ],
)
def test_unsendable_extra_is_our_error(config: Any, extra: Any) -> None:
    with client(config, Wire()) as c, pytest.raises(UnsupportedInputError):
        c.chat("hi", extra=extra)


# --- streamed tool calls -------------------------------------------------------------------------


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _call_deltas(index: int, call: ToolCall, cuts: list[int]) -> list[dict[str, Any]]:
    """The call as deltas: id and name (and the first fragment) first, the rest cut at ``cuts``."""
    edges = [0, *sorted(set(cuts)), len(call.arguments)]
    pieces = [call.arguments[a:b] for a, b in itertools.pairwise(edges)]
    first = {
        "index": index,
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": pieces[0]},
    }
    rest = [{"index": index, "function": {"arguments": p}} for p in pieces[1:]]
    return [_chunk({"tool_calls": [d]}) for d in [first, *rest]]


def _sse(chunks: list[dict[str, Any]]) -> bytes:
    return ("".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n").encode()


CALLS = (
    ToolCall("call_a", "search_docs", '{"query": "caf\u00e9 \\"x\\"", "limit": 2}'),
    ToolCall("call_b", "LookUp", '{"word": "tool"}'),
)


@pytest.mark.parametrize("cut", range(len(CALLS[0].arguments) + 1))
def test_arguments_split_at_any_point_assemble_the_same(config: Any, cut: int) -> None:
    chunks = [
        _chunk({"role": "assistant", "content": "Let me look."}),
        *_call_deltas(0, CALLS[0], [cut]),
        *_call_deltas(1, CALLS[1], [cut % len(CALLS[1].arguments)]),
        _chunk({}, "tool_calls"),
    ]
    with client(config, Wire(_sse(chunks))) as c:
        stream = c.stream("hi", tools=[search_docs, LookUp])
        events = [(e.kind, e.text, e.tool_call) for e in stream]
    assert events == [
        ("text", "Let me look.", None),
        ("tool_call", "", CALLS[0]),
        ("tool_call", "", CALLS[1]),
    ]
    assert stream.result.tool_calls == CALLS
    assert stream.result.text == "Let me look."


def test_one_byte_per_delta_on_the_async_twin(config: Any) -> None:
    arguments = CALLS[0].arguments
    chunks = [*_call_deltas(0, CALLS[0], list(range(1, len(arguments)))), _chunk({}, "tool_calls")]
    wire = Wire(_sse(chunks))

    async def run() -> Any:
        transport = httpx2.MockTransport(wire)
        async with AsyncClient(config, http_client=httpx2.AsyncClient(transport=transport)) as c:
            stream = await c.stream("hi", tools=[search_docs])
            events = [e async for e in stream]
            return events, stream.result

    events, result = asyncio.run(run())
    assert [e.tool_call for e in events] == [CALLS[0]]
    assert result.tool_calls == (CALLS[0],)


def test_a_call_is_yielded_as_soon_as_the_next_one_begins() -> None:
    assembler = ToolCallAssembler()
    first, second = (_call_deltas(i, c, [3]) for i, c in enumerate(CALLS))
    parse = ChatCompletionChunk.model_validate
    fed = [assembler.feed(parse(c).choices[0].delta.tool_calls or []) for c in [*first, *second]]
    assert fed == [[], [], [CALLS[0]], []]
    assert assembler.finish() == [CALLS[1]]
    assert assembler.calls == CALLS


json_text = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(
    st.lists(
        st.tuples(
            st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True),
            st.dictionaries(st.text(max_size=5), json_text, max_size=4),
            st.lists(st.integers(0, 200), max_size=6),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_any_split_of_tool_call_deltas_gives_the_same_calls(
    calls: list[tuple[str, dict[str, Any], list[int]]],
) -> None:
    expected = tuple(
        ToolCall(f"call_{i}", name, json.dumps(arguments))
        for i, (name, arguments, _) in enumerate(calls)
    )
    chunks: list[dict[str, Any]] = []
    for index, (call, (_, _, cuts)) in enumerate(zip(expected, calls, strict=True)):
        chunks += _call_deltas(index, call, [c % (len(call.arguments) + 1) for c in cuts])
    assembler = ToolCallAssembler()
    yielded: list[ToolCall] = []
    for raw in chunks:
        yielded += assembler.feed(
            ChatCompletionChunk.model_validate(raw).choices[0].delta.tool_calls or []
        )
    yielded += assembler.finish()
    assert tuple(yielded) == expected == assembler.calls
    assert [c.parsed_arguments() for c in yielded] == [arguments for _, arguments, _ in calls]
