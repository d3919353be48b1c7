"""What a LiteLLM proxy says about one answer in its ``x-litellm-*`` response headers.

Pure: :func:`proxy_info` reads a header mapping (``httpx2.Headers`` or any case-insensitive
mapping) and never raises; a header that is absent, empty, ``None`` or not a number becomes
``None``. Only the fields below are kept: ``x-litellm-model-api-base`` (the internal upstream URL)
and anything else the proxy adds are never read, so they cannot reach a repr or the CLI.

A client parses the headers only when ``ChatResult.proxy`` is first read (parsing was a third of
the adapter's own CPU per request); :func:`response_cost` reads the one header needed at once.

Measured with LiteLLM 1.108.7: a non-streamed answer carries ``x-litellm-response-cost`` and its
breakdown; a streamed one sends its headers before the cost is known, so ``x-litellm-response-cost``
is absent and the breakdown headers all say ``0.0``. The breakdown is therefore kept only when the
total is there; the stream's cost comes from its last chunk (``usage.cost``) instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields as dataclass_fields
from typing import Any, TypeVar

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


# The parsers take the raw bytes of ``httpx2.Headers.raw`` (or text): float() reads both, so a
# number is never decoded first.


def _text(value: str | bytes) -> str | None:
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    return None if text in ("", "None", "null") else text


def _float(value: str | bytes) -> float | None:
    # float() itself skips surrounding blanks and refuses "", "None" and "null".
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _int(value: str | bytes) -> int | None:
    number = _float(value)
    return int(number) if number is not None and number.is_integer() else None


# header (after ``x-litellm-``) -> (ProxyInfo field, parser); the rest are never read.
_FIELDS: dict[str, tuple[str, Callable[[str | bytes], Any]]] = {
    "call-id": ("call_id", _text),
    "response-cost": ("cost", _float),
    "model-id": ("model_id", _text),
    "model-group": ("model_group", _text),
    "attempted-retries": ("attempted_retries", _int),
    "attempted-fallbacks": ("attempted_fallbacks", _int),
    "response-duration-ms": ("duration_ms", _float),
    "overhead-duration-ms": ("overhead_ms", _float),
    "key-spend": ("key_spend", _float),
    "key-max-budget": ("key_max_budget", _float),
}
_BREAKDOWN: dict[str, str] = {
    "response-cost-input": "input",
    "response-cost-output": "output",
    "response-cost-cache-read": "cache_read",
    "response-cost-cache-creation": "cache_creation",
    "response-cost-reasoning": "reasoning",
}


_RAW_PREFIX = PREFIX.encode()
_NONE: dict[type, dict[str, Any]] = {
    cls: dict.fromkeys(f.name for f in dataclass_fields(cls)) for cls in (CostBreakdown, ProxyInfo)
}
# The raw (bytes, lower-case) name of each header read -> (ProxyInfo field, parser), and apart,
# the breakdown's: ``httpx2.Headers.raw`` is walked once, decoding only these.
_READ = {f"{PREFIX}{name}".encode(): spec for name, spec in _FIELDS.items()}
_READ_PARTS = {f"{PREFIX}{name}".encode(): part for name, part in _BREAKDOWN.items()}


_T = TypeVar("_T")


def _built(cls: type[_T], values: dict[str, Any]) -> _T:
    """``cls(**values)`` for these frozen dataclasses of optional fields, without the generated
    ``__init__`` (one ``object.__setattr__`` call per field: a quarter of a parse). Every field
    not in ``values`` is ``None``, its default."""
    instance = object.__new__(cls)
    instance.__dict__.update(_NONE[cls], **values)
    return instance


def _raw_pairs(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    """(name, value) as bytes: ``httpx2.Headers.raw`` as it is, any other mapping encoded."""
    raw = getattr(headers, "raw", None)
    if isinstance(raw, list):
        return raw
    return [
        (k.encode("latin-1", "replace"), v.encode("latin-1", "replace")) for k, v in headers.items()
    ]


_COST_HEADER = f"{PREFIX}response-cost"


def response_cost(headers: Mapping[str, str]) -> float | None:
    """The proxy's price for the call alone (``ProxyInfo.cost``), without parsing the rest."""
    value = headers.get(_COST_HEADER)
    return None if value is None else _float(value)


def proxy_info(headers: Mapping[str, str]) -> ProxyInfo | None:
    """The ``ProxyInfo`` in a response's headers, or ``None`` when no ``x-litellm-*`` header is
    there (the server is not a LiteLLM proxy). One pass over the headers present."""
    fields: dict[str, Any] = {}
    parts: dict[str, float | None] = {}
    litellm = False
    for name, value in _raw_pairs(headers):
        lower = name.lower()
        spec = _READ.get(lower)
        if spec is not None:
            fields[spec[0]] = spec[1](value)
        elif lower in _READ_PARTS:
            parts[_READ_PARTS[lower]] = _float(value)
        elif not litellm and lower.startswith(_RAW_PREFIX):
            litellm = True
    if not (fields or parts or litellm):
        return None
    if fields.get("cost") is not None:
        fields["cost_breakdown"] = _built(CostBreakdown, parts)
    return _built(ProxyInfo, fields)
