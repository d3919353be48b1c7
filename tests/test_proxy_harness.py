"""The test harness itself: real proxy, cassettes and network guard, driven by the raw openai SDK.

Smoke cassettes live in ``cassettes/proxy_smoke/``; re-record them with
``CLAWDBOT_LITELLM_PROXY=/opt/venvs/litellm-proxy/bin/litellm pytest tests/test_proxy_harness.py
--record-cassettes``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionUserMessageParam
from proxy.server import (
    DEFAULT_CONFIG,
    PROXY_ENV,
    ProxyServer,
    ProxyStartError,
    find_proxy_executable,
    proxy_environment,
    read_master_key,
)
from vcr.errors import CannotOverwriteExistingCassetteException  # type: ignore[import-untyped]
from vcr_support import (
    CASSETTES_DIR,
    MODEL_INFO_KEPT,
    NORMALISED_RESPONSE_HEADERS,
    REPLAY_ENDPOINT,
    TEST_API_KEY,
    ClientRetriedError,
    Mode,
    NetworkBlockedError,
    NetworkGuard,
    ProxyEndpoint,
    ReadableJSONSerializer,
    assert_no_secrets,
    cassette_files,
    cassette_path,
    decode_body,
    encode_body,
    find_secrets,
    json_body,
    recording,
    scrub_request,
    scrub_response,
    trim_model_info,
)

CASSETTE_DIR = "proxy_smoke"
SMOKE_DIR = CASSETTES_DIR / CASSETTE_DIR
HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Say hello."}]


def sync_client(endpoint: ProxyEndpoint, api_key: str | None = None) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=endpoint.v1, api_key=api_key or endpoint.api_key, max_retries=0, timeout=10
    )


def async_client(endpoint: ProxyEndpoint) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        base_url=endpoint.v1, api_key=endpoint.api_key, max_retries=0, timeout=10
    )


# --- cassette tests: replayed by default, recorded with --record-cassettes, live with --live ----


def test_sync_chat(proxy_endpoint: ProxyEndpoint) -> None:
    with sync_client(proxy_endpoint) as client:
        completion = client.chat.completions.create(
            model="gpt-4", messages=HELLO, max_completion_tokens=100
        )
    assert completion.model == "gpt-4"
    assert completion.choices[0].message.content == "Hello from the gpt-4 mock."
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.total_tokens > 0
    assert completion.id.startswith("chatcmpl-")


def test_async_chat(proxy_endpoint: ProxyEndpoint) -> None:
    async def chat() -> Any:
        async with async_client(proxy_endpoint) as client:
            return await client.chat.completions.create(
                model="claude-3-opus", messages=HELLO, max_tokens=50
            )

    completion = asyncio.run(chat())
    assert completion.choices[0].message.content == "Hello from the claude-3-opus mock."


def test_streaming_chat_with_usage(proxy_endpoint: ProxyEndpoint) -> None:
    with sync_client(proxy_endpoint) as client:
        stream = client.chat.completions.create(
            model="gpt-4",
            messages=HELLO,
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    finish = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert text == "Hello from the gpt-4 mock."
    assert finish == ["stop"]
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens > 0
    assert len(chunks) > 3  # really streamed, not one blob


def test_async_streaming_chat(proxy_endpoint: ProxyEndpoint) -> None:
    async def stream_text() -> str:
        async with async_client(proxy_endpoint) as client:
            stream = await client.chat.completions.create(
                model="openai/gpt-4o-mini", messages=HELLO, stream=True
            )
            return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

    assert asyncio.run(stream_text()) == "Hello from the openai/gpt-4o-mini mock."


def test_stream_cut_off_mid_answer_raises(proxy_endpoint: ProxyEndpoint) -> None:
    received: list[str] = []
    with sync_client(proxy_endpoint) as client:
        stream = client.chat.completions.create(model="stream-cutoff", messages=HELLO, stream=True)
        with pytest.raises(openai.APIError, match="lost mid-stream"):
            received.extend(chunk.choices[0].delta.content or "" for chunk in stream)
    assert received  # some text arrived before the break
    assert "".join(received) != "This answer is cut off after two chunks."


def test_image_part_to_vision_model(proxy_endpoint: ProxyEndpoint) -> None:
    png = "data:image/png;base64,iVBORw0KGgo="
    message: ChatCompletionUserMessageParam = {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": png}},
        ],
    }
    with sync_client(proxy_endpoint) as client:
        completion = client.chat.completions.create(model="gpt-4o", messages=[message])
    assert completion.choices[0].message.content == "Hello from the gpt-4o mock. I see the image."


def test_reasoning_effort_only_for_reasoning_model(proxy_endpoint: ProxyEndpoint) -> None:
    with sync_client(proxy_endpoint) as client:
        ok = client.chat.completions.create(
            model="o3-mini", messages=HELLO, reasoning_effort="low", max_completion_tokens=100
        )
        with pytest.raises(openai.BadRequestError, match="UnsupportedParamsError") as refused:
            client.chat.completions.create(model="gpt-4", messages=HELLO, reasoning_effort="low")
    assert ok.choices[0].message.content == "Hello from the o3-mini mock."
    assert refused.value.status_code == 400


ERROR_MODELS = [
    ("rate-limited", openai.RateLimitError, 429, "mock rate limit error"),
    ("server-error", openai.InternalServerError, 500, "mock internal server error"),
    ("context-overflow", openai.BadRequestError, 400, "ContextWindowExceededError"),
    ("slow", openai.APIStatusError, 408, "mock timeout error"),
    ("stream-error", openai.InternalServerError, 529, "mock error raised mid-stream"),
    ("no-such-model", openai.BadRequestError, 400, "Invalid model name passed in"),
]


@pytest.mark.parametrize(
    ("model", "error", "status", "text"), ERROR_MODELS, ids=[case[0] for case in ERROR_MODELS]
)
def test_error_models(
    proxy_endpoint: ProxyEndpoint, model: str, error: type[Exception], status: int, text: str
) -> None:
    with sync_client(proxy_endpoint) as client, pytest.raises(error, match=text) as raised:
        client.chat.completions.create(model=model, messages=HELLO)
    assert isinstance(raised.value, openai.APIStatusError)
    assert raised.value.status_code == status


def test_wrong_key_gets_a_real_401(proxy_endpoint: ProxyEndpoint) -> None:
    with (
        sync_client(proxy_endpoint, api_key="not-the-test-key") as client,
        pytest.raises(openai.AuthenticationError) as raised,
    ):
        client.models.list()
    assert raised.value.status_code == 401


def test_models_and_model_info(proxy_endpoint: ProxyEndpoint) -> None:
    with sync_client(proxy_endpoint) as client:
        models = {model.id: model for model in client.models.list()}
    assert {"gpt-4", "claude-3-opus", "o3-mini", "gpt-4o", "openai/gpt-4o-mini"} <= set(models)
    assert models["gpt-4"].model_extra == {
        "mode": "chat",
        "max_input_tokens": 128000,
        "max_output_tokens": 8192,
    }
    headers = {"Authorization": f"Bearer {proxy_endpoint.api_key}"}
    with httpx2.Client(base_url=proxy_endpoint.base_url, headers=headers) as http:
        info = http.get("/model/info").raise_for_status().json()
    by_name = {entry["model_name"]: entry["model_info"] for entry in info["data"]}
    assert by_name["o3-mini"]["supports_reasoning"] is True
    assert by_name["gpt-4o"]["supports_vision"] is True
    assert by_name["gpt-4"]["supports_reasoning"] is False
    assert by_name["claude-3-opus"]["max_input_tokens"] == 200000
    assert all("api_key" not in entry["litellm_params"] for entry in info["data"])


# --- replay guarantees ---------------------------------------------------------------------------


def _smoke(name: str) -> Path:
    return cassette_path(Path(__file__), name, CASSETTE_DIR)


def test_replay_works_with_any_base_url(network_guard: NetworkGuard) -> None:
    elsewhere = ProxyEndpoint("http://proxy.example.invalid:9", "another-key")
    with recording(_smoke("test_sync_chat"), Mode.REPLAY), sync_client(elsewhere) as client:
        completion = client.chat.completions.create(
            model="gpt-4", messages=HELLO, max_completion_tokens=100
        )
    assert completion.choices[0].message.content == "Hello from the gpt-4 mock."
    assert network_guard.blocked == []


def test_changed_request_body_fails_the_replay() -> None:
    changed: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Say goodbye."}]
    # The replay check runs when the cassette closes, after the request itself failed.
    with (
        pytest.raises(AssertionError) as failed,
        recording(_smoke("test_sync_chat"), Mode.REPLAY),
        sync_client(REPLAY_ENDPOINT) as client,
        pytest.raises((CannotOverwriteExistingCassetteException, openai.APIConnectionError)),
    ):
        client.chat.completions.create(model="gpt-4", messages=changed, max_completion_tokens=100)
    message = str(failed.value)
    assert "request bodies differ" in message
    assert "Say goodbye." in message
    assert "recorded but never requested: POST /v1/chat/completions" in message


def test_a_retrying_client_is_refused() -> None:
    with (
        recording(_smoke("test_error_models[rate-limited]"), Mode.REPLAY),
        openai.OpenAI(base_url=REPLAY_ENDPOINT.v1, api_key="k", max_retries=1) as client,
        pytest.raises(
            ClientRetriedError, match=r"retried POST /v1/chat/completions.*max_retries=0"
        ),
    ):
        client.chat.completions.create(model="rate-limited", messages=HELLO)


def test_missing_cassette_says_how_to_record() -> None:
    missing = CASSETTES_DIR / "proxy_smoke" / "no_such_test.json"
    with (
        pytest.raises(AssertionError, match="--record-cassettes"),
        recording(missing, Mode.REPLAY),
    ):
        pass


def test_cassettes_are_readable_json() -> None:
    sync = json.loads(_smoke("test_sync_chat").read_text(encoding="utf-8"))
    (interaction,) = sync["interactions"]
    assert interaction["request"]["body"]["json"]["model"] == "gpt-4"
    assert interaction["request"]["uri"] == "http://127.0.0.1:4000/v1/chat/completions"
    response = interaction["response"]
    assert response["body"]["json"]["id"] == "chatcmpl-recorded-1"
    assert response["body"]["json"]["created"] == 1_700_000_000
    assert set(response["headers"]) <= {
        "content-type",
        "x-litellm-model-group",
        "x-litellm-model-name",
        "x-litellm-version",
        "x-litellm-response-cost",
        "x-litellm-attempted-retries",
        "x-litellm-attempted-fallbacks",
    }
    stream = json.loads(_smoke("test_streaming_chat_with_usage").read_text(encoding="utf-8"))
    events = stream["interactions"][0]["response"]["body"]["sse"]
    assert events[-1] == {"text": "data: [DONE]"}
    assert {event["data"]["id"] for event in events[:-1]} == {"chatcmpl-recorded-1"}


def test_no_cassette_holds_a_secret() -> None:
    files = cassette_files()
    assert len(files) >= len(list(SMOKE_DIR.glob("*.json"))) > 10
    for path in files:
        assert_no_secrets(path)
        text = path.read_text(encoding="utf-8")
        assert "authorization" not in text.lower()
        # The call id is kept only as the fixed placeholder, never a real per-run id.
        ids = set(re.findall(r'"x-litellm-call-id": \[?\s*"([^"]*)"', text))
        assert ids <= {NORMALISED_RESPONSE_HEADERS["x-litellm-call-id"]}, path


# --- the pieces, one by one ----------------------------------------------------------------------


def test_find_secrets_catches_keys_bearer_and_auth_headers() -> None:
    dirty = {
        "interactions": [
            {
                "request": {"headers": {"Authorization": ["Bearer abc"]}, "body": {"string": ""}},
                "response": {"headers": {"set-cookie": ["s=1"]}, "body": {"string": TEST_API_KEY}},
            }
        ]
    }
    found = find_secrets(json.dumps(dirty), secrets=["s=1"])
    assert "the test proxy key" in found
    assert any("Bearer" in item for item in found)
    assert any(item.startswith("/\\bsk-") for item in found)
    assert "request header Authorization" in found
    assert "response header set-cookie" in found
    assert "a given secret (3 chars)" in found
    assert find_secrets(json.dumps({"interactions": [], "note": "task-list"})) == []


def test_scrubbers_keep_only_allow_listed_headers() -> None:
    class Request:
        def __init__(self) -> None:
            self.uri = "http://127.0.0.1:51234/v1/chat/completions?x=1"
            self.headers = {
                "Authorization": "Bearer secret",
                "Content-Type": "application/json",
                "X-Stainless-OS": "Linux",
                "api-key": "k",
            }

    request = scrub_request(Request())
    assert request.headers == {"Content-Type": "application/json"}
    assert request.uri == "http://127.0.0.1:4000/v1/chat/completions?x=1"
    response = scrub_response(
        {
            "headers": {
                "content-type": ["application/json"],
                "set-cookie": ["a=b"],
                "x-litellm-call-id": ["1"],
                "x-litellm-key-spend": ["0.0"],
                "x-litellm-model-group": ["gpt-4"],
                "date": ["today"],
                "retry-after": ["1"],
            }
        }
    )
    assert response["headers"] == {
        "content-type": ["application/json"],
        "x-litellm-call-id": [NORMALISED_RESPONSE_HEADERS["x-litellm-call-id"]],
        "x-litellm-key-spend": ["0.0"],
        "x-litellm-model-group": ["gpt-4"],
        "retry-after": ["1"],
    }


def test_serializer_round_trips_json_sse_and_text() -> None:
    sse = 'data: {"id":"chatcmpl-a","created":5,"x":[1]}\n\ndata: [DONE]\n\n'
    cassette = {
        "version": 1,
        "interactions": [
            {
                "request": {
                    "method": "POST",
                    "uri": "http://127.0.0.1:4000/v1/chat/completions",
                    "body": '{"model": "gpt-4"}',
                    "headers": {"content-type": ["application/json"]},
                },
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {"content-type": ["text/event-stream; charset=utf-8"]},
                    "body": {"string": sse},
                },
            },
            {
                "request": {"method": "GET", "uri": "u", "body": None, "headers": {}},
                "response": {
                    "status": {"code": 500, "message": ""},
                    "headers": {"content-type": ["text/plain"]},
                    "body": {"string": "Internal Server Error"},
                },
            },
        ],
    }
    serializer = ReadableJSONSerializer()
    text = serializer.serialize(json.loads(json.dumps(cassette)))
    stored = json.loads(text)
    first, second = stored["interactions"]
    assert first["request"]["body"] == {"json": {"model": "gpt-4"}}
    assert first["response"]["body"]["sse"] == [
        {"data": {"id": "chatcmpl-recorded-1", "created": 1_700_000_000, "x": [1]}},
        {"text": "data: [DONE]"},
    ]
    assert second["response"]["body"] == {"string": "Internal Server Error"}
    back = serializer.deserialize(text)["interactions"]
    assert json.loads(back[0]["request"]["body"]) == {"model": "gpt-4"}
    assert back[0]["response"]["body"]["string"] == (
        'data: {"id":"chatcmpl-recorded-1","created":1700000000,"x":[1]}\n\ndata: [DONE]\n\n'
    )
    assert back[1]["request"]["body"] is None
    assert back[1]["response"]["body"]["string"] == "Internal Server Error"


def _full_model_info() -> dict[str, Any]:
    """The real proxy's whole /model/info (this module records it untrimmed)."""
    stored = json.loads(_smoke("test_models_and_model_info").read_text(encoding="utf-8"))
    (found,) = [i for i in stored["interactions"] if i["request"]["uri"].endswith("/model/info")]
    assert "trimmed" not in found["response"]["body"]
    body: dict[str, Any] = found["response"]["body"]["json"]
    return body


def test_trimmed_model_info_keeps_what_the_code_reads_as_sent() -> None:
    full = _full_model_info()
    trimmed, note = trim_model_info(full)
    assert note is not None
    assert "trimmed by tests/vcr_support.py" in note
    assert "litellm_params" in note
    assert len(json.dumps(trimmed)) * 10 < len(json.dumps(full))
    assert len(trimmed["data"]) == len(full["data"])
    for kept, sent in zip(trimmed["data"], full["data"], strict=True):
        assert kept["model_name"] == sent["model_name"]
        assert set(kept["model_info"]) <= set(MODEL_INFO_KEPT)
        assert kept["model_info"] == {  # every kept field, with the value the proxy sent
            key: value for key, value in sent["model_info"].items() if key in MODEL_INFO_KEPT
        }
    assert trim_model_info(trimmed)[0] == trimmed


def test_trimming_refuses_to_drop_a_field_discovery_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    without = tuple(key for key in MODEL_INFO_KEPT if key != "max_input_tokens")
    monkeypatch.setattr("vcr_support.MODEL_INFO_KEPT", without)
    with pytest.raises(AssertionError, match="add the model_info field it reads"):
        trim_model_info(_full_model_info())


def test_serializer_trims_model_info_only_when_asked() -> None:
    full = _full_model_info()
    cassette = {
        "version": 1,
        "interactions": [
            {
                "request": {"method": "GET", "uri": uri, "body": None, "headers": {}},
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {"content-type": ["application/json"]},
                    "body": {"string": json.dumps(full)},
                },
            }
            for uri in ("http://127.0.0.1:4000/v1/model/info", "http://127.0.0.1:4000/v1/models")
        ],
    }
    plain = json.loads(ReadableJSONSerializer().serialize(json.loads(json.dumps(cassette))))
    assert [i["response"]["body"] for i in plain["interactions"]] == [{"json": full}] * 2
    trimming = ReadableJSONSerializer(trim_model_info=True)
    text = trimming.serialize(json.loads(json.dumps(cassette)))
    info, other = json.loads(text)["interactions"]
    assert info["response"]["body"]["trimmed"].startswith("trimmed by tests/vcr_support.py")
    assert other["response"]["body"] == {"json": full}  # only /model/info is trimmed
    replayed = trimming.deserialize(text)["interactions"][0]["response"]["body"]["string"]
    assert json.loads(replayed) == trim_model_info(full)[0]  # the note is not replayed


def test_unterminated_sse_is_kept_verbatim() -> None:
    cut = 'data: {"a":1}\n\ndata: {"b"'
    assert encode_body(cut, "text/event-stream") == {"string": cut}
    assert decode_body({"string": cut}) == cut


def test_json_body_matcher_ignores_key_order_but_not_values() -> None:
    class Request:
        def __init__(self, body: bytes | None) -> None:
            self.body = body

    json_body(Request(b'{"a": 1, "b": [1, 2]}'), Request(b'{"b":[1,2],"a":1}'))
    json_body(Request(None), Request(b""))
    with pytest.raises(AssertionError, match=r'-  "a": 1,\n\+  "a": 2,'):
        json_body(Request(b'{"a": 2, "b": 0}'), Request(b'{"a": 1, "b": 0}'))
    with pytest.raises(AssertionError):
        json_body(Request(b"plain"), Request(b"other"))


# --- network guard -------------------------------------------------------------------------------


def test_guard_blocks_loopback_and_internet(network_guard: NetworkGuard) -> None:
    for address in [("127.0.0.1", 9), ("93.184.216.34", 443), ("::1", 9)]:
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        with (
            socket.socket(family, socket.SOCK_STREAM) as sock,
            pytest.raises(NetworkBlockedError, match="network access is blocked"),
        ):
            sock.connect(address)
    assert len(network_guard.blocked) == 3
    network_guard.blocked.clear()  # seen; do not fail this test at teardown


def test_guard_stops_a_real_client(network_guard: NetworkGuard) -> None:
    with (
        openai.OpenAI(base_url="http://127.0.0.1:9/v1", api_key="k", max_retries=0) as client,
        pytest.raises((NetworkBlockedError, openai.APIConnectionError)),
    ):
        client.models.list()
    assert network_guard.blocked == ["loopback connection to ('127.0.0.1', 9)"]
    network_guard.blocked.clear()


def test_loopback_allowed_opens_loopback_only(loopback_allowed: NetworkGuard) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Refused (or unreachable without a loopback interface), but not blocked by the guard.
    with (
        pytest.raises(OSError, match=r"refused|unreachable"),
        socket.create_connection(("127.0.0.1", port)),
    ):
        pass
    assert loopback_allowed.blocked == []
    with socket.socket() as sock, pytest.raises(NetworkBlockedError):
        sock.connect(("93.184.216.34", 443))
    loopback_allowed.blocked.clear()


# --- the proxy fixture ---------------------------------------------------------------------------


def test_find_proxy_executable(tmp_path: Path) -> None:
    assert find_proxy_executable({}) is None
    assert find_proxy_executable({PROXY_ENV: "  "}) is None
    venv_bin = tmp_path / "bin"
    venv_bin.mkdir()
    exe = venv_bin / "litellm"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    assert find_proxy_executable({PROXY_ENV: str(exe)}) == exe
    assert find_proxy_executable({PROXY_ENV: str(tmp_path)}) == exe
    with pytest.raises(ProxyStartError, match=r"CLAWDBOT_LITELLM_PROXY=.*setup_venv\.sh"):
        find_proxy_executable({PROXY_ENV: str(tmp_path / "nope")})


def test_proxy_environment_is_offline_and_isolated(tmp_path: Path) -> None:
    env = proxy_environment(
        tmp_path,
        {"PATH": "/bin", "LITELLM_MASTER_KEY": "x", "DATABASE_URL": "y", "OPENAI_API_KEY": "z"},
    )
    assert env["PATH"] == "/bin"
    assert env["HOME"] == str(tmp_path)
    assert env["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    assert env["LITELLM_TELEMETRY_DISABLED"] == "true"
    assert not {"LITELLM_MASTER_KEY", "DATABASE_URL", "OPENAI_API_KEY"} & set(env)


def test_test_key_is_obviously_fake() -> None:
    key = read_master_key(DEFAULT_CONFIG)
    assert key == TEST_API_KEY == "sk-clawdbot-test"
    assert len(key) < 24 + len("sk-")


def test_failed_start_reports_the_log_and_leaves_nothing(
    tmp_path: Path, loopback_allowed: NetworkGuard
) -> None:
    fake = tmp_path / "litellm"
    fake.write_text("#!/bin/sh\necho 'config error: boom' >&2\nexit 3\n")
    fake.chmod(0o755)
    server = ProxyServer(fake, startup_timeout=10)
    with pytest.raises(ProxyStartError, match=r"(?s)exited with code 3.*config error: boom"):
        server.start()
    assert not server.running
    assert server.log_path is None


HARNESS_CHILD = """
import importlib.util, sys
sys.path.insert(0, {tests!r})
spec = importlib.util.spec_from_file_location("harness_conftest", {conftest!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
globals().update({{k: v for k, v in vars(module).items() if not k.startswith("__")}})
"""


def _run_child(pytester: pytest.Pytester, *args: str) -> Any:
    """Run a tiny test file under this conftest in a subprocess (environment from monkeypatch)."""
    tests = Path(__file__).resolve().parent
    pytester.makeconftest(
        HARNESS_CHILD.format(tests=str(tests), conftest=str(tests / "conftest.py"))
    )
    pytester.makeini("[pytest]\nmarkers =\n    live: live\n")
    pytester.makepyfile(
        test_child="""
        import socket, pytest

        @pytest.mark.live
        def test_needs_proxy(litellm_proxy):
            pass

        def test_swallows(network_guard):
            try:
                socket.create_connection(("127.0.0.1", 9))
            except Exception:
                pass
        """
    )
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:recording", *args)


def test_fixture_skips_with_a_how_to_and_guard_fails_loudly(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PROXY_ENV, raising=False)
    monkeypatch.delenv("CLAWDBOT_LITELLM_REQUIRE_PROXY", raising=False)
    result = _run_child(pytester, "--live", "-rs")
    # The swallowed connect still fails the test, as an error at teardown.
    result.assert_outcomes(passed=1, skipped=1, errors=1)
    result.stdout.fnmatch_lines(["*no LiteLLM proxy for the live tests*setup_venv.sh*"])
    result.stdout.fnmatch_lines(["*blocked network access during the test*127.0.0.1*"])


def test_fixture_fails_when_ci_requires_the_proxy(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PROXY_ENV, raising=False)
    monkeypatch.setenv("CLAWDBOT_LITELLM_REQUIRE_PROXY", "1")
    result = _run_child(pytester, "--live", "-k", "needs")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no LiteLLM proxy for the live tests*"])


# --- live: the real proxy ------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in _proc_state(pid)


def _proc_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "gone"


@pytest.mark.live
def test_session_proxy_is_up(litellm_proxy: ProxyServer) -> None:
    assert litellm_proxy.base_url.startswith("http://127.0.0.1:")
    assert not litellm_proxy.base_url.endswith("/v1")
    assert _alive(litellm_proxy.pid)
    with urllib.request.urlopen(litellm_proxy.base_url + "/health/liveliness") as response:  # noqa: S310
        assert json.loads(response.read()) == "I'm alive!"
    assert TEST_API_KEY not in repr(litellm_proxy)


@pytest.mark.live
@pytest.mark.slow
def test_proxy_starts_and_stops_without_leftovers() -> None:
    executable = find_proxy_executable()
    if executable is None:
        pytest.skip(f"{PROXY_ENV} is not set")
    with ProxyServer(executable) as proxy:
        pid, workdir = proxy.pid, proxy.log_path.parent if proxy.log_path else None
        assert _alive(pid)
        assert os.getpgid(pid) == pid  # its own group, so stop() reaches every child
        with sync_client(ProxyEndpoint(proxy.base_url, proxy.api_key)) as client:
            assert client.models.list().data
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)
    assert workdir is not None
    assert not workdir.exists()
    group = subprocess.run(
        ["pgrep", "-g", str(pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    assert group == []
    proxy.stop()  # idempotent


@pytest.mark.live
def test_no_key_gets_a_real_401(litellm_proxy: ProxyServer) -> None:
    request = urllib.request.Request(  # noqa: S310 - loopback
        litellm_proxy.base_url + "/v1/models", headers={"Accept": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)  # noqa: S310
    assert refused.value.code == 401
