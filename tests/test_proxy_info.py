"""Pure parsing of what a LiteLLM proxy says: response headers (``ProxyInfo``), ``/key/info``
and ``/health/readiness``, and the choice of an answer's cost.

The header sets are the ones LiteLLM 1.108.7 sent (recorded in cassettes/spend/); the
``/key/info`` bodies are shaped as 1.108.7 builds them: ``{"key": ..., "info": ...}`` in
``litellm/proxy/management_endpoints/key_management_endpoints.py`` (``info_key_fn``), the info
being a ``LiteLLM_VerificationToken`` (``litellm/models/verification_token.py``) dumped without its
token, plus ``status``. No database-backed proxy could run here (see docs/status.md).
"""

from __future__ import annotations

import copy
import json
import pickle
import socket
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx2
import pytest
from openai.types.chat import ChatCompletionChunk

from clawdbot_litellm import ProxyInfo
from clawdbot_litellm.config.schema import ModelDefinition, Provider
from clawdbot_litellm.discovery import DiscoveredModel, per_million
from clawdbot_litellm.doctor import _budget_check, _expiry_check
from clawdbot_litellm.proxy_info import CostBreakdown, proxy_info
from clawdbot_litellm.proxy_status import KeyInfo, parse_key_info, parse_readiness
from clawdbot_litellm.refs import ModelRef, ModelTarget
from clawdbot_litellm.request import build_request
from clawdbot_litellm.results import Accumulator, ChatResult, Usage, choose_cost
from clawdbot_litellm.sync import sync_document

# As LiteLLM 1.108.7 sent them for a non-streamed answer of the priced mock model.
NON_STREAM = {
    "x-litellm-call-id": "bd421ae5-7753-4cc5-926c-b9512e5bc9a0",
    "x-litellm-model-id": "60e12a61a38f",
    "x-litellm-model-name": "openai/priced-mock",
    "x-litellm-model-api-base": "https://internal.example:8443/secret-path",
    "x-litellm-version": "1.108.7",
    "x-litellm-response-cost": "0.00033000000000000005",
    "x-litellm-response-cost-input": "3e-05",
    "x-litellm-response-cost-output": "0.00030000000000000003",
    "x-litellm-response-cost-tool-usage": "0.0",
    "x-litellm-key-spend": "0.00033000000000000005",
    "x-litellm-key-max-budget": "None",
    "x-litellm-response-duration-ms": "950.45",
    "x-litellm-model-group": "priced-mock",
    "x-litellm-attempted-retries": "0",
    "x-litellm-attempted-fallbacks": "1",
}


def test_headers_become_proxy_info() -> None:
    info = proxy_info(httpx2.Headers(NON_STREAM))
    assert info == ProxyInfo(
        call_id="bd421ae5-7753-4cc5-926c-b9512e5bc9a0",
        cost=pytest.approx(0.00033),
        cost_breakdown=CostBreakdown(input=3e-05, output=pytest.approx(0.0003)),
        model_id="60e12a61a38f",
        model_group="priced-mock",
        attempted_retries=0,
        attempted_fallbacks=1,
        duration_ms=950.45,
        overhead_ms=None,
        key_spend=pytest.approx(0.00033),
        key_max_budget=None,
    )


def test_the_upstream_url_never_reaches_a_repr_or_json() -> None:
    info = proxy_info(httpx2.Headers(NON_STREAM))
    assert info is not None
    assert "internal.example" not in repr(info)
    assert "internal.example" not in str(info.as_dict())


def test_a_stream_breakdown_of_zeros_without_a_total_is_dropped() -> None:
    # 1.108.7 sends a stream's headers before the cost is known: no total, every part "0.0".
    headers = {k: v for k, v in NON_STREAM.items() if k != "x-litellm-response-cost"}
    headers["x-litellm-response-cost-input"] = "0.0"
    info = proxy_info(httpx2.Headers(headers))
    assert info is not None
    assert info.cost is None
    assert info.cost_breakdown is None


@pytest.mark.parametrize("bad", ["None", "", "nan", "abc", "inf", "1.5"])
def test_absent_none_or_garbage_headers_become_none(bad: str) -> None:
    info = proxy_info(
        httpx2.Headers(
            {
                "x-litellm-response-cost": bad,
                "x-litellm-attempted-retries": bad,
                "x-litellm-call-id": "None",
            }
        )
    )
    assert info is not None
    assert info.cost == (1.5 if bad == "1.5" else None)
    assert info.attempted_retries is None
    assert info.call_id is None
    assert info.model_group is None


def test_a_server_that_is_not_litellm_gives_none() -> None:
    assert proxy_info(httpx2.Headers({"content-type": "application/json"})) is None


def _target(cost: dict[str, float] | None = None) -> ModelTarget:
    data: dict[str, Any] = {"id": "m", "name": "m"}
    if cost is not None:
        data["cost"] = cost
    model = ModelDefinition.model_validate(data)
    provider = Provider(
        name="litellm", base_url="http://x", api_key=None, api=None, headers={}, models=(model,)
    )
    return ModelTarget(ModelRef("litellm", "m"), provider, model)


class _CountingHeaders(dict[str, str]):
    """Lower-case header names; counts the full reads (what parsing ``ProxyInfo`` does) and the
    single reads (what reading the cost does)."""

    full_reads = 0
    gets = 0

    def items(self) -> Any:
        self.full_reads += 1
        return super().items()

    def get(self, key: str, default: Any = None) -> Any:
        self.gets += 1
        return super().get(key, default)


def _finished(target: ModelTarget, headers: Mapping[str, str]) -> ChatResult:
    accumulator = Accumulator(target, build_request(target.model, "hi"), headers)
    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m"}
    choice = {"index": 0, "delta": {"content": "hello"}, "finish_reason": "stop"}
    accumulator.feed(ChatCompletionChunk.model_validate({**chunk, "choices": [choice]}))
    return accumulator.finish()


def test_the_proxy_headers_are_parsed_on_first_read_and_once() -> None:
    headers = _CountingHeaders(NON_STREAM)
    result = _finished(_target(), headers)
    assert (headers.gets, headers.full_reads) == (0, 0)  # nothing read until asked for
    assert (result.cost, result.cost_source) == (pytest.approx(0.00033), "proxy")
    assert (headers.gets, headers.full_reads) == (1, 0)  # the cost alone, once for both fields
    info = result.proxy
    assert info is not None
    assert info.call_id == NON_STREAM["x-litellm-call-id"]
    assert result.proxy is info
    assert headers.full_reads == 1
    # Everything else that reads the field sees the parsed value.
    assert "call_id='bd421ae5" in repr(result)
    assert replace(result, text="other").proxy == info
    assert pickle.loads(pickle.dumps(result))  # noqa: S301 (our own bytes) == result
    assert copy.deepcopy(result).proxy == info


def test_a_result_read_before_its_proxy_is_parsed_still_compares_and_pickles() -> None:
    first, second = (_finished(_target(), _CountingHeaders(NON_STREAM)) for _ in range(2))
    assert pickle.loads(pickle.dumps(first))  # noqa: S301 (our own bytes).proxy == first.proxy
    assert first == second  # == parses both
    assert ChatResult("r", "", "", None, None, None).proxy is None  # the default


def test_configured_prices_do_not_read_the_cost_header_but_proxy_still_has_it() -> None:
    headers = _CountingHeaders(NON_STREAM)
    result = _finished(_target({"input": 3, "output": 15}), headers)
    assert (result.cost, result.cost_source) == (None, None)  # no usage arrived to price
    assert headers.gets == 0
    assert result.proxy is not None
    assert result.proxy.cost == pytest.approx(0.00033)


def test_a_result_built_for_an_answer_equals_one_built_by_its_constructor() -> None:
    headers = _CountingHeaders(NON_STREAM)
    built = _finished(_target(), headers)
    usage = None  # the stream sent none
    by_hand = ChatResult(
        "litellm/m",
        "hello",
        "",
        "stop",
        usage,
        float(NON_STREAM["x-litellm-response-cost"]),
        cost_source="proxy",
        proxy=proxy_info(NON_STREAM),
    )
    assert built == by_hand
    assert built.__dict__.keys() == by_hand.__dict__.keys()  # every field, as __init__ sets them
    assert repr(built) == repr(by_hand)
    assert pickle.loads(pickle.dumps(built)) == by_hand  # noqa: S301 (our own bytes)
    assert replace(built, text="x") == replace(by_hand, text="x")


def test_not_litellm_headers_give_no_proxy_and_no_cost() -> None:
    result = _finished(_target(), _CountingHeaders({"content-type": "text/event-stream"}))
    assert (result.proxy, result.cost, result.cost_source) == (None, None, None)


def test_cost_prefers_configured_prices_then_the_proxy_never_zero_for_unknown() -> None:
    usage = Usage(1_000_000, 1_000_000)
    assert choose_cost(_target({"input": 3, "output": 15}), usage, 0.5) == (18.0, "config")
    assert choose_cost(_target({"input": 0, "output": 0}), usage, 0.5) == (0.5, "proxy")
    assert choose_cost(_target(), usage, 0.5) == (0.5, "proxy")
    assert choose_cost(_target(), usage, None) == (None, None)
    assert choose_cost(_target({"input": 3}), None, 0.5) == (None, None)


# --- /key/info and /health/readiness, as 1.108.7 shapes them -------------------------------------


def key_info_body(**info: Any) -> dict[str, Any]:
    """``info_key_fn``'s answer: ``LiteLLM_VerificationToken.model_dump()`` minus ``token``."""
    base: dict[str, Any] = {
        "key_name": "sk-...abcd",
        "key_alias": "ci",
        "spend": 0.0,
        "total_spend": 0.0,
        "max_budget": None,
        "expires": None,
        "models": [],
        "aliases": {},
        "config": {},
        "user_id": None,
        "team_id": None,
        "max_parallel_requests": None,
        "metadata": {},
        "tpm_limit": None,
        "rpm_limit": None,
        "budget_duration": None,
        "budget_reset_at": None,
        "blocked": None,
        "litellm_budget_table": None,
        "status": "active",
    }
    base.update(info)
    return {"key": "sk-test-key-not-kept", "info": base}


def test_key_info_is_parsed_without_the_key() -> None:
    reset = "2026-12-31T00:00:00+00:00"
    info = parse_key_info(
        key_info_body(
            spend=8.5,
            max_budget=10.0,
            budget_duration="30d",
            budget_reset_at=reset,
            expires="2027-01-01T00:00:00",
            models=["gpt-4", "priced-mock"],
            rpm_limit=60,
            tpm_limit=100000,
        )
    )
    assert info == KeyInfo(
        alias="ci",
        spend=8.5,
        max_budget=10.0,
        budget_duration="30d",
        budget_reset_at=datetime(2026, 12, 31, tzinfo=timezone.utc),
        expires=datetime(2027, 1, 1, tzinfo=timezone.utc),
        models=("gpt-4", "priced-mock"),
        rpm_limit=60,
        tpm_limit=100000,
    )
    assert "sk-test-key-not-kept" not in repr(info) + str(info.as_dict())
    assert info.may_call("gpt-4")
    assert not info.may_call("claude-3-opus")
    assert parse_key_info({"detail": "nope"}) is None


def test_every_model_is_allowed_by_an_empty_list_or_all_proxy_models() -> None:
    assert KeyInfo().may_call("anything")
    assert KeyInfo(models=("all-proxy-models",)).may_call("anything")


def test_budget_checks_warn_at_80_percent_and_fail_over_budget_or_blocked() -> None:
    assert _budget_check(KeyInfo(spend=1.0, max_budget=10.0)).status == "ok"
    warned = _budget_check(KeyInfo(spend=8.0, max_budget=10.0))
    assert warned.status == "warn"
    assert warned.ok is True
    over = _budget_check(parse_key_info(key_info_body(spend=10.5, max_budget=10.0)) or KeyInfo())
    assert over.status == "fail"
    assert "over budget" in over.detail
    assert _budget_check(KeyInfo(blocked=True)).status == "fail"
    assert _budget_check(KeyInfo(spend=3.0)).detail == "spent $3.0000; no budget set"


def test_expiry_fails_once_expired() -> None:
    past = datetime.now(timezone.utc) - timedelta(days=1)
    assert _expiry_check(KeyInfo(expires=past)).status == "fail"
    assert _expiry_check(KeyInfo(expires=past + timedelta(days=30))).status == "ok"
    assert _expiry_check(KeyInfo()).detail == "never expires"


def test_readiness_tells_no_database_from_a_database_that_is_down() -> None:
    # _resolve_public_readiness_db in litellm/proxy/health_endpoints/_health_endpoints.py
    assert parse_readiness(200, {"status": "healthy", "db": "Not connected"}) == (
        True,
        "Not connected",
    )
    assert parse_readiness(503, {"status": "healthy", "db": "disconnected"}) == (
        False,
        "disconnected",
    )
    assert parse_readiness(503, {"status": "shutting_down"}) == (False, None)


# --- prices: /model/info per token -> the config's cost per million ------------------------------


@pytest.mark.parametrize(
    ("per_token", "expected"),
    [(3e-06, 3), (1.5e-05, 15), (3e-07, 0.3), (1.5e-07, 0.15), (7.5e-08, 0.075), (0.0, 0)],
)
def test_per_token_prices_become_per_million_exactly(per_token: float, expected: float) -> None:
    assert per_million(per_token) == expected
    assert repr(per_million(per_token)) == repr(expected)  # 0.3, never 0.30000000000000004


def test_models_sync_copies_the_proxys_prices_into_cost() -> None:
    raw = {
        "models": {
            "providers": {
                "litellm": {
                    "baseUrl": "http://x",
                    "models": [{"id": "m", "name": "m", "cost": {"input": 1, "cacheWrite": 2}}],
                }
            }
        }
    }
    provider = _target({"input": 1, "cache_write": 2}).provider
    served = [DiscoveredModel("m", prices={"input": 3, "output": 15, "cacheRead": 0.3})]
    document, report = sync_document(raw, provider, served)
    cost = document["models"]["providers"]["litellm"]["models"][0]["cost"]
    assert cost == {"input": 3, "output": 15, "cacheRead": 0.3, "cacheWrite": 2.0}
    assert report.lines() == [
        '~ litellm/m: cost {"input": 1, "cacheWrite": 2} -> '
        '{"input": 3, "output": 15, "cacheRead": 0.3, "cacheWrite": 2.0}'
    ]
    assert raw["models"]["providers"]["litellm"]["models"][0]["cost"] == {  # type: ignore[index]
        "input": 1,
        "cacheWrite": 2,
    }


@pytest.mark.parametrize("name", ["Authorization", "authorization"])
def test_status_sends_the_authorization_chat_sends(
    name: str, sent_requests: list[Any], tmp_path: Any, loopback_allowed: None
) -> None:
    # One rule for a provider's own Authorization header: it replaces the key's in a chat
    # request (the openai client's default headers go over its own), so /key/info asks about
    # the same credentials. Nothing listens on the port: only what was sent is compared.
    from clawdbot_litellm import Client, ProxyUnreachableError, load_config
    from clawdbot_litellm.proxy_status import key_status

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    document = {
        "models": {
            "providers": {
                "litellm": {
                    "baseUrl": f"http://127.0.0.1:{port}",
                    "apiKey": "sk-litellm-key-0123",
                    "api": "openai-completions",
                    "headers": {name: "Bearer <gateway-token>", "X-Gateway": "g"},
                    "models": [{"id": "gpt-4", "name": "GPT-4"}],
                }
            }
        }
    }
    path = tmp_path / "clawdbot.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    config = load_config(path, environ={})
    with Client(config, max_retries=0, timeout=2.0) as client, pytest.raises(ProxyUnreachableError):
        client.chat("hi", model="litellm/gpt-4", fallbacks=False)
    status = key_status(config.providers["litellm"], timeout=2.0)
    assert status.error is not None  # refused: nothing listens
    chat, key_info = sent_requests
    assert key_info.url.path == "/key/info"
    for request in (chat, key_info):
        assert request.headers.get_list("authorization") == ["Bearer <gateway-token>"]
        assert request.headers["x-gateway"] == "g"
