"""What a LiteLLM proxy says about one answer in its ``x-litellm-*`` response headers.

Pure: :func:`proxy_info` reads a header mapping (``httpx2.Headers`` or any case-insensitive
mapping) and never raises; a header that is absent, empty, ``None`` or not a number becomes
``None``. Only the fields below are kept: ``x-litellm-model-api-base`` (the internal upstream
URL) and anything else the proxy adds are never read, so they cannot reach a repr or the CLI.

Measured with LiteLLM 1.108.7: a non-streamed answer carries ``x-litellm-response-cost`` and its
breakdown; a streamed one sends its headers before the cost is known, so ``x-litellm-response-cost``
is absent and the breakdown headers all say ``0.0``. The breakdown is therefore kept only when the
total is there; the stream's cost comes from its last chunk (``usage.cost``) instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

PREFIX = "x-litellm-"


@dataclass(frozen=True)
class CostBreakdown:
    """The parts of the proxy's cost, in dollars; ``None`` where the proxy did not say."""

    input: float | None = None
    output: float | None = None
    cache_read: float | None = None
    cache_creation: float | None = None
    reasoning: float | None = None


@dataclass(frozen=True)
class ProxyInfo:
    """The LiteLLM proxy's own account of one answer (``ChatResult.proxy``).

    ``cost`` is the proxy's price for the call (``None`` on a stream: see the module docstring),
    ``model_id`` the deployment that answered, ``model_group`` the model name asked for (after a
    fallback: the one that answered), ``attempted_retries``/``attempted_fallbacks`` what the
    proxy tried first, ``duration_ms`` its whole time and ``overhead_ms`` LiteLLM's own share,
    ``key_spend``/``key_max_budget`` the calling key's spend (after this call) and budget.
    """

    call_id: str | None = None
    cost: float | None = None
    cost_breakdown: CostBreakdown | None = None
    model_id: str | None = None
    model_group: str | None = None
    attempted_retries: int | None = None
    attempted_fallbacks: int | None = None
    duration_ms: float | None = None
    overhead_ms: float | None = None
    key_spend: float | None = None
    key_max_budget: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape (``chat --json``'s ``proxy`` object): these field names, nested."""
        return asdict(self)


def _text(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        return None
    value = value.strip()
    return None if value in ("", "None", "null") else value


def _float(headers: Mapping[str, str], name: str) -> float | None:
    value = _text(headers, name)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _int(headers: Mapping[str, str], name: str) -> int | None:
    number = _float(headers, name)
    return int(number) if number is not None and number.is_integer() else None


_RAW_PREFIX = PREFIX.encode()
_SIZE = len(PREFIX)


def _litellm_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """``x-litellm-*`` headers as a plain dict keyed by the rest of the lower-cased name.

    One pass, over ``httpx2.Headers.raw`` (bytes) when there is one: its ``get`` and ``items``
    decode and scan the whole list on every call, and this runs for every answer.
    """
    raw = getattr(headers, "raw", None)
    if isinstance(raw, list):
        return {
            name[_SIZE:].lower().decode("latin-1"): value.decode("latin-1")
            for name, value in raw
            if name[:_SIZE].lower() == _RAW_PREFIX
        }
    return {
        name[_SIZE:].lower(): value
        for name, value in headers.items()
        if name[:_SIZE].lower() == PREFIX
    }


def proxy_info(headers: Mapping[str, str]) -> ProxyInfo | None:
    """The ``ProxyInfo`` in a response's headers, or ``None`` when no ``x-litellm-*`` header is
    there (the server is not a LiteLLM proxy)."""
    headers = _litellm_headers(headers)
    if not headers:
        return None
    cost = _float(headers, "response-cost")
    breakdown = None
    if cost is not None:
        breakdown = CostBreakdown(
            input=_float(headers, "response-cost-input"),
            output=_float(headers, "response-cost-output"),
            cache_read=_float(headers, "response-cost-cache-read"),
            cache_creation=_float(headers, "response-cost-cache-creation"),
            reasoning=_float(headers, "response-cost-reasoning"),
        )
    return ProxyInfo(
        call_id=_text(headers, "call-id"),
        cost=cost,
        cost_breakdown=breakdown,
        model_id=_text(headers, "model-id"),
        model_group=_text(headers, "model-group"),
        attempted_retries=_int(headers, "attempted-retries"),
        attempted_fallbacks=_int(headers, "attempted-fallbacks"),
        duration_ms=_float(headers, "response-duration-ms"),
        overhead_ms=_float(headers, "overhead-duration-ms"),
        key_spend=_float(headers, "key-spend"),
        key_max_budget=_float(headers, "key-max-budget"),
    )


__all__ = ["CostBreakdown", "ProxyInfo", "proxy_info"]
