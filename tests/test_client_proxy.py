"""The adapter against the real LiteLLM proxy (``--live``) and its recorded cassettes (default).

Every test builds its clients with ``max_retries=0`` so a 429 or 500 is one recorded interaction.
"""

from __future__ import annotations

import asyncio
import json
import warnings
from pathlib import Path
from typing import Any

import openai
import pytest
from vcr_support import ProxyEndpoint

from clawdbot_litellm import AsyncClient, Client, ResolvedConfig, load_config
from clawdbot_litellm.config.resolve import ConfigWarning
from clawdbot_litellm.discovery import discover_models
from clawdbot_litellm.errors import (
    AllModelsFailedError,
    AuthenticationError,
    ContextWindowError,
    ModelNotServedError,
    ProxyServerError,
    ProxyTimeoutError,
    ProxyUnreachableError,
    RateLimitError,
    StreamInterruptedError,
)
from clawdbot_litellm.request import RequestWarning

PNG = Path(__file__).parent / "fixtures" / "dot.png"

MODELS = [
    {
        "id": "gpt-4",
        "name": "GPT-4",
        "contextWindow": 128000,
        "maxTokens": 8192,
        "cost": {"input": 30, "output": 60},
    },
    {"id": "claude-3-opus", "name": "Claude Opus", "contextWindow": 200000, "maxTokens": 4096},
    {
        "id": "o3-mini",
        "name": "o3-mini",
        "reasoning": True,
        "contextWindow": 200000,
        "maxTokens": 100000,
    },
    {"id": "gpt-4o", "name": "GPT-4o", "input": ["text", "image"], "contextWindow": 128000},
    {"id": "openai/gpt-4o-mini", "name": "4o mini", "contextWindow": 128000},
    {"id": "rate-limited", "name": "Rate limited"},
    {"id": "server-error", "name": "Server error"},
    {"id": "context-overflow", "name": "Overflow"},
    {"id": "slow", "name": "Slow"},
    {"id": "stream-error", "name": "Stream error"},
    {"id": "stream-cutoff", "name": "Cut off"},
    {"id": "not-on-the-proxy", "name": "Missing"},
]


def make_config(
    tmp_path: Path,
    endpoint: ProxyEndpoint,
    *,
    key: str | None = "",
    primary: str = "litellm/gpt-4",
    fallbacks: list[str] | None = None,
) -> ResolvedConfig:
    provider: dict[str, Any] = {"baseUrl": endpoint.base_url, "models": MODELS}
    if key is not None:
        provider["apiKey"] = "${LITELLM_API_KEY}"
    document = {
        "agents": {"defaults": {"model": {"primary": primary, "fallbacks": fallbacks or []}}},
        "models": {"providers": {"litellm": provider}},
    }
    path = tmp_path / "clawdbot.json"
    path.write_text(json.dumps(document))
    secret = endpoint.api_key if key == "" else key
    environ = {"LITELLM_API_KEY": secret} if secret else {}
    return load_config(path, environ=environ)


@pytest.fixture
def client(tmp_path: Path, proxy_endpoint: ProxyEndpoint) -> Any:
    with Client(make_config(tmp_path, proxy_endpoint), max_retries=0, timeout=30) as c:
        yield c


def test_chat_returns_text_usage_and_cost(client: Client) -> None:
    result = client.chat("Say hello")
    assert result.ref == "litellm/gpt-4"
    assert result.text == "Hello from the gpt-4 mock."
    assert result.finish_reason == "stop"
    assert result.usage is not None
    assert result.usage.prompt_tokens > 0
    expected = (result.usage.prompt_tokens * 30 + result.usage.completion_tokens * 60) / 1e6
    assert result.cost == pytest.approx(expected)


def test_stream_yields_deltas_then_usage(client: Client) -> None:
    stream = client.stream("Say hello", model="claude-3-opus")
    pieces = [event.text for event in stream if event.kind == "text"]
    assert len(pieces) > 1
    assert "".join(pieces) == "Hello from the claude-3-opus mock."
    assert stream.result.finish_reason == "stop"
    assert stream.result.usage is not None
    assert stream.result.usage.completion_tokens > 0


def test_model_id_with_a_slash_is_sent_whole(client: Client) -> None:
    result = client.chat("hi", model="litellm/openai/gpt-4o-mini")
    assert result.text == "Hello from the openai/gpt-4o-mini mock."


def test_reasoning_effort_reaches_a_reasoning_model(client: Client) -> None:
    result = client.chat("think", model="o3-mini", reasoning_effort="low")
    assert result.text == "Hello from the o3-mini mock."


def test_reasoning_effort_is_withheld_from_gpt4_which_would_reject_it(client: Client) -> None:
    # Clawdbot users saw 400 UnsupportedParamsError here; we do not send the parameter.
    with pytest.warns(RequestWarning, match="not a reasoning model"):
        result = client.chat("hi", model="gpt-4", reasoning_effort="high")
    assert result.text == "Hello from the gpt-4 mock."


def test_the_proxy_really_rejects_reasoning_effort_for_gpt4(proxy_endpoint: ProxyEndpoint) -> None:
    raw = openai.OpenAI(base_url=proxy_endpoint.v1, api_key=proxy_endpoint.api_key, max_retries=0)
    with pytest.raises(openai.BadRequestError, match=r"UnsupportedParamsError|reasoning_effort"):
        raw.chat.completions.create(
            model="gpt-4", messages=[{"role": "user", "content": "hi"}], reasoning_effort="high"
        )
    raw.close()


def test_image_reaches_a_vision_model(client: Client) -> None:
    result = client.chat("What is this?", model="gpt-4o", images=[PNG])
    assert result.text.startswith("Hello from the gpt-4o mock.")


def test_wrong_key_is_one_clear_error(tmp_path: Path, proxy_endpoint: ProxyEndpoint) -> None:
    config = make_config(tmp_path, proxy_endpoint, key="sk-wrong-key-for-tests")
    with Client(config, max_retries=0) as client, pytest.raises(AuthenticationError) as caught:
        client.chat("hi")
    message = str(caught.value)
    assert "rejected the API key" in message
    assert "sk-wrong-key-for-tests" not in message
    assert isinstance(caught.value.__cause__, openai.APIStatusError)


def test_missing_key_is_the_same_clear_error(tmp_path: Path, proxy_endpoint: ProxyEndpoint) -> None:
    config = make_config(tmp_path, proxy_endpoint, key=None)
    with (
        Client(config, max_retries=0) as client,
        pytest.raises(AuthenticationError, match="no API key was sent"),
    ):
        client.chat("hi")


def test_model_not_on_the_proxy_lists_what_it_serves(client: Client) -> None:
    with pytest.raises(ModelNotServedError) as caught:
        client.chat("hi", model="not-on-the-proxy", fallbacks=False)
    message = str(caught.value)
    assert "does not serve model 'not-on-the-proxy'" in message
    assert "gpt-4" in message
    assert "claude-3-opus" in message


@pytest.mark.parametrize(
    ("model", "error", "text"),
    [
        ("rate-limited", RateLimitError, "429"),
        ("server-error", ProxyServerError, "500"),
        ("slow", ProxyTimeoutError, "408"),
        ("context-overflow", ContextWindowError, "context window"),
    ],
)
def test_proxy_error_models_map_to_typed_errors(
    client: Client, model: str, error: type[Exception], text: str
) -> None:
    with pytest.raises(error, match=text) as caught:
        client.chat("hi", model=model, fallbacks=False)
    assert caught.value.__cause__ is not None


def test_stream_error_model_raises_a_proxy_error(client: Client) -> None:
    """LiteLLM's ``mock_streaming_error`` fails before the first byte: a 529, a server error."""
    with pytest.raises(ProxyServerError, match=r"failed \(529: .*mock error raised mid-stream"):
        list(client.stream("hi", model="stream-error", fallbacks=False))


def test_stream_that_breaks_off_raises_instead_of_looking_complete(client: Client) -> None:
    stream = client.stream("hi", model="stream-cutoff", fallbacks=False)
    received: list[str] = []

    def read() -> None:
        received.extend(event.text for event in stream)

    with pytest.raises(StreamInterruptedError, match="upstream connection lost mid-stream"):
        read()
    # The two chunks the proxy passed before the cut (LiteLLM's mock streams 3 characters each).
    assert "".join(received) == "This a"


def test_fallback_takes_over_on_a_retryable_error(
    tmp_path: Path, proxy_endpoint: ProxyEndpoint
) -> None:
    """A misspelt fallback before it is skipped with a warning naming it, and sends nothing."""
    config = make_config(
        tmp_path,
        proxy_endpoint,
        primary="litellm/rate-limited",
        fallbacks=["litellm/gpt-4-mispelt", "litellm/gpt-4"],
    )
    with (
        Client(config, max_retries=0) as client,
        pytest.warns(ConfigWarning, match=r"fallback 'litellm/gpt-4-mispelt' skipped") as caught,
    ):
        result = client.chat("hi")
    assert result.ref == "litellm/gpt-4"
    assert len(caught) == 1


def test_all_models_failed_lists_each(tmp_path: Path, proxy_endpoint: ProxyEndpoint) -> None:
    config = make_config(
        tmp_path,
        proxy_endpoint,
        primary="litellm/rate-limited",
        fallbacks=["litellm/server-error", "litellm/rate-limited"],
    )
    with Client(config, max_retries=0) as client, pytest.raises(AllModelsFailedError) as caught:
        client.chat("hi")
    message = str(caught.value)
    assert message.startswith("All models failed (2): litellm/rate-limited: ")
    assert " | litellm/server-error: " in message


def test_non_retryable_error_does_not_fall_back(
    tmp_path: Path, proxy_endpoint: ProxyEndpoint
) -> None:
    config = make_config(
        tmp_path, proxy_endpoint, key="sk-wrong-key-for-tests", fallbacks=["litellm/claude-3-opus"]
    )
    with Client(config, max_retries=0) as client, pytest.raises(AuthenticationError):
        client.chat("hi")


def test_async_twin_chats_and_streams(tmp_path: Path, proxy_endpoint: ProxyEndpoint) -> None:
    config = make_config(tmp_path, proxy_endpoint)

    async def run() -> tuple[str, str]:
        async with AsyncClient(config, max_retries=0) as client:
            answer = await client.chat("hi", model="gpt-4")
            stream = await client.stream("hi", model="claude-3-opus")
            text = "".join([event.text async for event in stream])
            assert stream.result.usage is not None
            return answer.text, text

    answer, streamed = asyncio.run(run())
    assert answer == "Hello from the gpt-4 mock."
    assert streamed == "Hello from the claude-3-opus mock."


def test_async_fallback_and_errors(tmp_path: Path, proxy_endpoint: ProxyEndpoint) -> None:
    config = make_config(
        tmp_path,
        proxy_endpoint,
        primary="litellm/server-error",
        fallbacks=["nope", "litellm/gpt-4"],
    )

    async def run() -> str:
        async with AsyncClient(config, max_retries=0) as client:
            with pytest.raises(RateLimitError):
                await client.chat("hi", model="rate-limited", fallbacks=False)
            return (await client.chat("hi")).ref

    with pytest.warns(ConfigWarning, match=r"fallback 'nope' skipped: Unknown model: nope"):
        assert asyncio.run(run()) == "litellm/gpt-4"


def test_discovery_reads_limits_and_abilities(proxy_endpoint: ProxyEndpoint) -> None:
    found = {m.id: m for m in discover_models(proxy_endpoint.base_url, proxy_endpoint.api_key)}
    assert found["gpt-4"].context_window == 128000
    assert found["gpt-4"].max_tokens == 8192
    assert found["o3-mini"].reasoning is True
    assert found["gpt-4o"].vision is True
    assert found["gpt-4o"].definition()["input"] == ["text", "image"]
    # One deployment per name on the test proxy, each with its own id (doctor --deep names
    # /health's rows by them).
    ids = [m.deployment_ids for m in found.values()]
    assert all(len(one) == 1 for one in ids)
    assert len({one[0] for one in ids}) == len(found)


def test_discovery_with_a_wrong_key(proxy_endpoint: ProxyEndpoint) -> None:
    with pytest.raises(AuthenticationError):
        discover_models(proxy_endpoint.base_url, "sk-wrong-key-for-tests")


def test_unreachable_proxy_names_the_url_and_the_fix(tmp_path: Path, loopback_allowed: Any) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = ProxyEndpoint(f"http://127.0.0.1:{port}", "sk-clawdbot-test")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        config = make_config(tmp_path, endpoint)
    with Client(config, max_retries=0) as client, pytest.raises(ProxyUnreachableError) as caught:
        client.chat("hi")
    message = str(caught.value)
    assert f"http://127.0.0.1:{port}/v1" in message
    assert "LITELLM_BASE_URL" in message


@pytest.fixture(scope="module")
def proxy_without_db() -> Any:
    """A second real proxy: master key, no database, no custom auth (LiteLLM's odd answers)."""
    from proxy.server import HERE, ProxyServer, find_proxy_executable

    executable = find_proxy_executable()
    if executable is None:
        pytest.skip("needs CLAWDBOT_LITELLM_PROXY")
    with ProxyServer(executable, config=HERE / "litellm_config_nodb.yaml") as server:
        yield server


@pytest.mark.live
def test_no_db_proxy_answers_a_wrong_key_with_the_key_rejected_error(
    tmp_path: Path, proxy_without_db: Any
) -> None:
    endpoint = ProxyEndpoint(proxy_without_db.base_url, proxy_without_db.api_key)
    config = make_config(tmp_path, endpoint, key="sk-wrong-key-for-tests")
    with Client(config, max_retries=0) as client, pytest.raises(AuthenticationError) as caught:
        client.chat("hi")
    assert "it answered 400: No connected db." in str(caught.value)
    cause = caught.value.__cause__
    assert isinstance(cause, openai.APIStatusError)
    assert cause.status_code == 400


@pytest.mark.live
def test_no_db_proxy_answers_a_missing_key_with_a_bare_500_a_server_error(
    tmp_path: Path, proxy_without_db: Any
) -> None:
    """LiteLLM 1.108.7 without a database answers no key with ``500 Internal Server Error``
    (text/plain) and nothing about the key: a server error, with the hint that no key was sent."""
    endpoint = ProxyEndpoint(proxy_without_db.base_url, proxy_without_db.api_key)
    config = make_config(tmp_path, endpoint, key=None)
    with Client(config, max_retries=0) as client, pytest.raises(ProxyServerError) as caught:
        client.chat("hi")
    message = str(caught.value)
    assert "failed (500: Internal Server Error); no API key was sent" in message
    assert "set LITELLM_API_KEY" in message
    cause = caught.value.__cause__
    assert isinstance(cause, openai.APIStatusError)
    assert cause.status_code == 500
    assert cause.response.headers["content-type"].startswith("text/plain")
    with Client(make_config(tmp_path, endpoint), max_retries=0) as client:
        assert client.chat("hi").text == "Hello from the gpt-4 mock."
