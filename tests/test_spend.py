"""Issue 14 against the real LiteLLM proxy: the proxy's cost and trace on every answer, spend
attribution, and ``status``. Cassettes in ``cassettes/spend/``; ``--live`` runs them for real.

``priced-mock`` (tests/proxy/litellm_config.yaml) has per-token prices on the proxy and none in
the client config, so its cost can only come from the proxy.
"""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from cli.cli_support import run, write
from vcr_support import ProxyEndpoint

from clawdbot_litellm import AsyncClient, ChatResult, Client, ResolvedConfig, load_config
from clawdbot_litellm.errors import UnsupportedInputError
from clawdbot_litellm.request import ChatOptions, build_request

MODELS: list[dict[str, Any]] = [
    {"id": "priced-mock", "name": "Priced", "contextWindow": 128000, "maxTokens": 8192},
    {
        "id": "gpt-4",
        "name": "GPT-4",
        "contextWindow": 128000,
        "maxTokens": 8192,
        "cost": {"input": 30, "output": 60},
    },
    {"id": "server-error", "name": "Server error"},
]
# 10 prompt + 20 completion tokens (non-streamed mock) at $3 and $15 per million.
PRICED_COST = (10 * 3 + 20 * 15) / 1_000_000


def config_for(endpoint: ProxyEndpoint, tmp_path: Path) -> ResolvedConfig:
    document = {
        "agents": {"defaults": {"model": {"primary": "litellm/priced-mock"}}},
        "models": {
            "providers": {
                "litellm": {
                    "baseUrl": endpoint.base_url,
                    "apiKey": "${LITELLM_API_KEY}",
                    "models": MODELS,
                }
            }
        },
    }
    path = write(tmp_path / "clawdbot.json", document)
    return load_config(path, environ={"LITELLM_API_KEY": endpoint.api_key})


@pytest.fixture
def client(tmp_path: Path, proxy_endpoint: ProxyEndpoint) -> Any:
    with Client(config_for(proxy_endpoint, tmp_path), max_retries=0, timeout=30) as c:
        yield c


def assert_proxy_priced(result: ChatResult, expected: float) -> None:
    assert result.cost_source == "proxy"
    assert result.cost == pytest.approx(expected)
    assert result.proxy is not None
    assert result.proxy.cost == pytest.approx(expected)
    assert result.proxy.model_group == "priced-mock"
    assert result.proxy.call_id  # present (normalised in the cassette)
    assert result.proxy.model_id
    assert result.proxy.attempted_retries == 0
    assert result.proxy.attempted_fallbacks == 0


def test_chat_cost_and_trace_come_from_the_proxy(client: Client) -> None:
    result = client.chat("Say hello")
    assert_proxy_priced(result, PRICED_COST)
    assert result.proxy is not None
    breakdown = result.proxy.cost_breakdown
    assert breakdown is not None
    assert breakdown.input == pytest.approx(30 / 1_000_000)
    assert breakdown.output == pytest.approx(300 / 1_000_000)


def test_stream_cost_comes_from_the_last_chunk(client: Client) -> None:
    with client.stream("Say hello") as answer:
        text = "".join(event.text for event in answer)
    result = answer.result
    assert text == "Hello from the priced mock."
    usage = result.usage
    assert usage is not None
    expected = (usage.prompt_tokens * 3 + usage.completion_tokens * 15) / 1_000_000
    assert expected > 0
    assert_proxy_priced(result, expected)
    assert result.proxy is not None
    assert result.proxy.cost_breakdown is None  # a stream's headers leave before its cost


def test_async_twin_reads_the_same(tmp_path: Path, proxy_endpoint: ProxyEndpoint) -> None:
    async def go() -> tuple[ChatResult, ChatResult]:
        config = config_for(proxy_endpoint, tmp_path)
        async with AsyncClient(config, max_retries=0, timeout=30) as aclient:
            whole = await aclient.chat("Say hello")
            stream = await aclient.stream("Say hello")
            async with stream:
                async for _ in stream:
                    pass
            return whole, stream.result

    whole, streamed = asyncio.run(go())
    assert_proxy_priced(whole, PRICED_COST)
    assert streamed.cost_source == "proxy"
    assert streamed.cost is not None
    assert streamed.cost > 0


def test_configured_prices_win_over_the_proxy(client: Client) -> None:
    result = client.chat("Say hello", model="litellm/gpt-4")
    assert result.cost_source == "config"
    usage = result.usage
    assert usage is not None
    assert result.cost == pytest.approx(
        (usage.prompt_tokens * 30 + usage.completion_tokens * 60) / 1_000_000
    )
    assert result.proxy is not None
    assert result.proxy.cost is not None  # the proxy's own figure stays readable


def test_a_fallback_the_proxy_made_is_reported(client: Client) -> None:
    # LiteLLM's per-request fallbacks: server-error fails, the proxy answers with priced-mock.
    result = client.chat(
        "Say hello",
        model="litellm/server-error",
        extra={"extra_body": {"fallbacks": ["priced-mock"]}},
    )
    assert result.proxy is not None
    assert result.proxy.attempted_fallbacks == 1
    assert result.proxy.model_group == "priced-mock"
    assert result.cost_source == "proxy"


def test_a_retried_request_is_reported(client: Client) -> None:
    # The router's mock rate limit fails the first attempt only; num_retries lets it retry.
    body = {"num_retries": 1, "mock_testing_rate_limit_error": True}
    result = client.chat("Say hello", extra={"extra_body": body})
    assert result.proxy is not None
    assert result.proxy.attempted_retries == 1
    assert result.text == "Hello from the priced mock."


def test_user_tags_and_metadata_reach_the_proxy(client: Client) -> None:
    # The cassette's request body is matched exactly on replay: user and metadata.tags are sent.
    result = client.chat("Say hello", user="alice", tags=["ci", "docs"], metadata={"job": "42"})
    assert result.cost_source == "proxy"


def test_spend_fields_are_the_body_fields_litellm_reads() -> None:
    model = load_config(environ={"LITELLM_API_KEY": "k"}).resolve("litellm/gpt-4").model
    options = ChatOptions(
        user="alice",
        tags=("ci",),
        metadata={"job": "42", "tags": ["team"]},
        extra={"extra_body": {"metadata": {"trace_id": "t"}}},
    )
    body = build_request(model, "hi", options).body
    assert body["user"] == "alice"
    assert body["metadata"] == {
        "trace_id": "t",
        "job": "42",
        "tags": ["team", "ci"],
    }
    assert "metadata" not in build_request(model, "hi", ChatOptions()).body


# --- the command line ----------------------------------------------------------------------------


def cli_config(tmp_path: Path, endpoint: ProxyEndpoint, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LITELLM_API_KEY", endpoint.api_key)
    config_for(endpoint, tmp_path)
    return tmp_path / "clawdbot.json"


@pytest.mark.parametrize("metadata", [{"job": object()}, {"ratio": float("nan")}, {"ids": {1, 2}}])
def test_metadata_that_cannot_be_json_is_refused_naming_it(metadata: Any) -> None:
    model = load_config(environ={"LITELLM_API_KEY": "k"}).resolve("litellm/gpt-4").model
    with pytest.raises(UnsupportedInputError, match=r"^metadata cannot be sent as JSON"):
        build_request(model, "hi", ChatOptions(metadata=metadata))


@pytest.mark.parametrize(
    ("spend", "said"),
    [({"user": 42}, "user must be a string"), ({"tags": ("ci", 7)}, "tags must be strings")],
)
def test_user_and_tags_must_be_strings(spend: dict[str, Any], said: str) -> None:
    model = load_config(environ={"LITELLM_API_KEY": "k"}).resolve("litellm/gpt-4").model
    with pytest.raises(UnsupportedInputError, match=said):
        build_request(model, "hi", ChatOptions(**spend))


def test_chat_cli_names_the_proxy_as_the_cost_source(
    tmp_path: Path, proxy_endpoint: ProxyEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = cli_config(tmp_path, proxy_endpoint, monkeypatch)
    result = run(
        ["--config", str(config), "chat", "--no-stream", "--user", "alice", "--tag", "ci", "Hi"]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (
        "litellm/priced-mock: 10 prompt + 20 completion tokens, cost $0.000330 (proxy)"
    )


def test_chat_json_carries_cost_source_and_proxy(
    tmp_path: Path, proxy_endpoint: ProxyEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = cli_config(tmp_path, proxy_endpoint, monkeypatch)
    result = run(["--config", str(config), "chat", "--json", "Hi"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["cost_source"] == "proxy"
    assert data["cost"] > 0
    assert data["proxy"]["model_group"] == "priced-mock"
    assert set(data["proxy"]) == {
        "call_id",
        "cost",
        "cost_breakdown",
        "model_id",
        "model_group",
        "attempted_retries",
        "attempted_fallbacks",
        "duration_ms",
        "overhead_ms",
        "key_spend",
        "key_max_budget",
    }


def test_status_on_a_proxy_without_a_database(
    tmp_path: Path, proxy_endpoint: ProxyEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = cli_config(tmp_path, proxy_endpoint, monkeypatch)
    result = run(["--config", str(config), "status"])
    assert result.exit_code == 0, result.output
    assert "Health: live, ready; database: Not connected" in result.stdout
    assert "Budget: this proxy keeps no key budgets (it has no database)" in result.stdout
    assert "Key: sk-…test" in result.stdout
    assert proxy_endpoint.api_key not in result.output
    as_json = run(["--config", str(config), "status", "--json"])
    data = json.loads(as_json.stdout)
    assert data["budgets"] == "no database"
    assert data["health"] == {"live": True, "ready": True, "db": "Not connected", "error": None}
    assert data["models"][0] == {"ref": "litellm/priced-mock", "allowed": None}


def test_status_says_the_proxy_is_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loopback_allowed: Any
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    endpoint = ProxyEndpoint(closed, "sk-nothing-here")
    config = cli_config(tmp_path, endpoint, monkeypatch)
    result = run(["--config", str(config), "status"])
    assert result.exit_code == 1
    assert "Health: down" in result.stdout


@pytest.mark.live
def test_live_priced_chat_prints_a_nonzero_proxy_cost(
    tmp_path: Path, litellm_proxy: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = ProxyEndpoint(litellm_proxy.base_url, litellm_proxy.api_key)
    config = cli_config(tmp_path, endpoint, monkeypatch)
    result = run(["--config", str(config), "chat", "Hi"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Hello from the priced mock.\n"
    assert result.stderr.strip().endswith("(proxy)")
    assert "cost $0.000000" not in result.stderr
