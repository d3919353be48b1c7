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
from collections.abc import Mapping
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


# Headers are read as the raw bytes of ``httpx2.Headers.raw`` (any other mapping is encoded):
# ``float()`` reads bytes, so a number is never decoded first.
_NULLS = frozenset({"", "None", "null"})
_TEXT, _FLOAT, _INT, _PART = range(4)

# header (after ``x-litellm-``) -> (field, kind); ``_PART`` fields are CostBreakdown's. The rest
# of the headers are never read.
_FIELDS: dict[str, tuple[str, int]] = {
    "call-id": ("call_id", _TEXT),
    "response-cost": ("cost", _FLOAT),
    "model-id": ("model_id", _TEXT),
    "model-group": ("model_group", _TEXT),
    "attempted-retries": ("attempted_retries", _INT),
    "attempted-fallbacks": ("attempted_fallbacks", _INT),
    "response-duration-ms": ("duration_ms", _FLOAT),
    "overhead-duration-ms": ("overhead_ms", _FLOAT),
    "key-spend": ("key_spend", _FLOAT),
    "key-max-budget": ("key_max_budget", _FLOAT),
    "response-cost-input": ("input", _PART),
    "response-cost-output": ("output", _PART),
    "response-cost-cache-read": ("cache_read", _PART),
    "response-cost-cache-creation": ("cache_creation", _PART),
    "response-cost-reasoning": ("reasoning", _PART),
}
_RAW_PREFIX = PREFIX.encode()
# The raw (bytes, lower-case) name of each header read -> (field, kind).
_READ = {f"{PREFIX}{name}".encode(): spec for name, spec in _FIELDS.items()}
_NONE: dict[type, dict[str, Any]] = {
    cls: dict.fromkeys(f.name for f in dataclass_fields(cls)) for cls in (CostBreakdown, ProxyInfo)
}


_T = TypeVar("_T")


def _built(cls: type[_T], values: dict[str, Any]) -> _T:
    """``cls(**values)`` for these frozen dataclasses of optional fields, without the generated
    ``__init__`` (one ``object.__setattr__`` call per field: a quarter of a parse). Every field
    not in ``values`` is ``None``, its default."""
    instance = object.__new__(cls)
    instance.__dict__.update(_NONE[cls], **values)
    return instance


def _number(value: str | bytes) -> float | None:
    # float() itself skips surrounding blanks and refuses "", "None" and "null".
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


_COST_HEADER = f"{PREFIX}response-cost"


def response_cost(headers: Mapping[str, str]) -> float | None:
    """The proxy's price for the call alone (``ProxyInfo.cost``), without parsing the rest."""
    value = headers.get(_COST_HEADER)
    return None if value is None else _number(value)


def proxy_info(headers: Mapping[str, str]) -> ProxyInfo | None:
    """The ``ProxyInfo`` in a response's headers, or ``None`` when no ``x-litellm-*`` header is
    there (the server is not a LiteLLM proxy).

    One pass over the headers present, each value parsed where it is met: a client runs this
    after every request whose caller reads ``proxy``, where every function called costs more
    than it does alone (bench/README.md, findings 6 and 7).
    """
    raw = getattr(headers, "raw", None)
    pairs: list[tuple[bytes, bytes]] = (
        raw
        if isinstance(raw, list)
        else [
            (k.encode("latin-1", "replace"), v.encode("latin-1", "replace"))
            for k, v in headers.items()
        ]
    )
    fields: dict[str, Any] = {}
    parts: dict[str, Any] = {}
    litellm = False
    for name, value in pairs:
        lower = name.lower()
        spec = _READ.get(lower)
        if spec is None:
            litellm = litellm or lower.startswith(_RAW_PREFIX)
            continue
        field, kind = spec
        if kind == _TEXT:
            text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
            fields[field] = None if text in _NULLS else text
            continue
        number = _number(value)
        if kind == _PART:
            parts[field] = number
        elif kind == _INT:
            fields[field] = int(number) if number is not None and number.is_integer() else None
        else:
            fields[field] = number
    if not (fields or parts or litellm):
        return None
    if fields.get("cost") is not None:
        fields["cost_breakdown"] = _built(CostBreakdown, parts)
    return _built(ProxyInfo, fields)
