"""The proxy's health and the calling key's budget: ``/health/*`` and ``/key/info``.

``status`` and ``doctor`` read these. The health probes need no key. ``/key/info`` needs a
database behind the proxy: without one LiteLLM 1.108.7 answers the master key with a plain
``500 Internal Server Error`` and other keys with ``400 No connected db``, while
``/health/readiness`` says ``"db": "Not connected"``; :func:`key_status` uses the readiness
answer to tell that case ("this proxy keeps no key budgets") from a real server error.

The parsing (:func:`parse_key_info`, :func:`parse_readiness`) is pure and follows LiteLLM
1.108.7's own types: ``/key/info`` returns ``{"key": ..., "info": <LiteLLM_VerificationToken
without its token>}`` (``litellm/proxy/management_endpoints/key_management_endpoints.py``,
``info_key_fn``; the fields in ``litellm/models/verification_token.py``). The key is never kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .config.schema import Provider

STATUS_TIMEOUT = 5.0
ALL_MODELS = frozenset({"all-proxy-models", "*"})
BUDGET_WARNING = 0.8


@dataclass(frozen=True)
class Health:
    """``/health/liveliness`` and ``/health/readiness``: up, ready, and the database's state.

    ``db`` is LiteLLM's word: ``"Not connected"`` (no database configured), ``"connected"``,
    ``"disconnected"`` or ``"stalled"``; ``None`` when the proxy did not say.
    """

    live: bool
    ready: bool | None = None
    db: str | None = None
    error: str | None = None

    @property
    def has_db(self) -> bool:
        return self.db is not None and self.db != "Not connected"

    @property
    def db_down(self) -> bool:
        return self.has_db and self.db != "connected"


@dataclass(frozen=True)
class KeyInfo:
    """The calling key as ``/key/info`` describes it (never the key itself)."""

    alias: str | None = None
    spend: float = 0.0
    max_budget: float | None = None
    budget_duration: str | None = None
    budget_reset_at: datetime | None = None
    expires: datetime | None = None
    models: tuple[str, ...] = ()
    rpm_limit: int | None = None
    tpm_limit: int | None = None
    blocked: bool = False

    def may_call(self, model: str) -> bool:
        """LiteLLM's rule: an empty list (or ``all-proxy-models``) allows every model."""
        return not self.models or bool(ALL_MODELS & set(self.models)) or model in self.models

    @property
    def budget_used(self) -> float | None:
        """Spend as a fraction of the budget (``None`` without a budget)."""
        if self.max_budget is None or self.max_budget <= 0:
            return None
        return self.spend / self.max_budget

    def expired(self, now: datetime | None = None) -> bool:
        if self.expires is None:
            return False
        return self.expires < (now or datetime.now(timezone.utc))

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape ``status --json`` prints under ``key``."""
        return {
            "alias": self.alias,
            "spend": self.spend,
            "max_budget": self.max_budget,
            "budget_duration": self.budget_duration,
            "budget_reset_at": _iso(self.budget_reset_at),
            "expires": _iso(self.expires),
            "models": list(self.models),
            "rpm_limit": self.rpm_limit,
            "tpm_limit": self.tpm_limit,
            "blocked": self.blocked,
        }


@dataclass(frozen=True)
class KeyStatus:
    """What ``/key/info`` said: ``info``, or why there is none (``no_db`` or ``error``)."""

    info: KeyInfo | None = None
    no_db: bool = False
    error: str | None = None


NO_DB = "this proxy keeps no key budgets (it has no database)"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_key_info(body: Any) -> KeyInfo | None:
    """``KeyInfo`` from a ``/key/info`` answer (``None`` when it is not that shape)."""
    info = body.get("info") if isinstance(body, Mapping) else None
    if not isinstance(info, Mapping):
        return None
    models = info.get("models")
    budget = info.get("litellm_budget_table")
    budget = budget if isinstance(budget, Mapping) else {}
    max_budget = _number(info.get("max_budget"))
    return KeyInfo(
        alias=info.get("key_alias") if isinstance(info.get("key_alias"), str) else None,
        spend=_number(info.get("spend")) or 0.0,
        max_budget=max_budget if max_budget is not None else _number(budget.get("max_budget")),
        budget_duration=info.get("budget_duration")
        if isinstance(info.get("budget_duration"), str)
        else None,
        budget_reset_at=_time(info.get("budget_reset_at")),
        expires=_time(info.get("expires")),
        models=tuple(m for m in models if isinstance(m, str)) if isinstance(models, list) else (),
        rpm_limit=_whole(info.get("rpm_limit")),
        tpm_limit=_whole(info.get("tpm_limit")),
        blocked=info.get("blocked") is True or info.get("status") == "revoked",
    )


def parse_readiness(status_code: int, body: Any) -> tuple[bool, str | None]:
    """``(ready, db)`` from ``/health/readiness`` (a 503 means not ready)."""
    db = body.get("db") if isinstance(body, Mapping) else None
    healthy = isinstance(body, Mapping) and body.get("status") == "healthy"
    return status_code == 200 and healthy, db if isinstance(db, str) else None


def _root(provider: Provider) -> str:
    from .config.resolve import normalise_base_url

    return normalise_base_url(provider.name, provider.base_url)[0].rstrip("/")


def _headers(provider: Provider, *, key: bool = True) -> dict[str, str]:
    """The key where the route takes one, and the provider's own headers (a gateway in front of
    the proxy may need them) over it: an ``Authorization`` of the provider's replaces the key's,
    as in every chat request (the ``openai`` client puts its default headers over its own)."""
    own = {k: v for k, v in provider.headers.items() if v is not None}
    headers: dict[str, str] = {}
    if key and provider.api_key and not any(k.lower() == "authorization" for k in own):
        headers["Authorization"] = f"Bearer {provider.api_key}"
    headers.update(own)
    return headers


def check_health(provider: Provider, timeout: float = STATUS_TIMEOUT) -> Health:
    """Probe ``/health/liveliness`` then ``/health/readiness`` (no key needed, nothing billed)."""
    import httpx2

    root = _root(provider)
    try:
        with httpx2.Client(timeout=timeout, headers=_headers(provider, key=False)) as http:
            live = http.get(f"{root}/health/liveliness")
            ready = http.get(f"{root}/health/readiness")
    except httpx2.HTTPError as error:
        return Health(False, error=f"{type(error).__name__}: {error}")
    try:
        body: Any = ready.json()
    except ValueError:
        body = None
    ok, db = parse_readiness(ready.status_code, body)
    return Health(live.status_code == 200, ok, db)


def key_status(
    provider: Provider, health: Health | None = None, timeout: float = STATUS_TIMEOUT
) -> KeyStatus:
    """The configured key's ``/key/info``; ``no_db`` when the proxy has no database."""
    import httpx2

    if health is not None and health.live and not health.has_db:
        return KeyStatus(no_db=True)
    try:
        with httpx2.Client(timeout=timeout) as http:
            answer = http.get(f"{_root(provider)}/key/info", headers=_headers(provider))
    except httpx2.HTTPError as error:
        return KeyStatus(error=f"{type(error).__name__}: {error}")
    if answer.status_code != 200:
        if health is None and b"No connected db" in answer.content:
            return KeyStatus(no_db=True)
        text = answer.text.strip().replace("\n", " ")[:200]
        return KeyStatus(error=f"/key/info answered {answer.status_code}: {text}")
    try:
        info = parse_key_info(answer.json())
    except ValueError:
        info = None
    if info is None:
        return KeyStatus(error="/key/info did not answer as LiteLLM does")
    return KeyStatus(info)


# LiteLLM 1.108.7 checks every deployment at once, each for up to HEALTH_CHECK_TIMEOUT_SECONDS
# (60 s unless the proxy's admin changes it), so a hung upstream makes /health take a minute.
DEEP_HEALTH_TIMEOUT = 90.0


@dataclass(frozen=True)
class UpstreamHealth:
    """What ``/health`` said of each deployment, by the proxy's model name (never an upstream
    URL, key or error text: LiteLLM's answer carries ``api_base`` and, in its errors, whatever
    the upstream library printed).

    ``unhealthy`` pairs a name with the HTTP status LiteLLM gives the failure (``None`` when it
    gives none); ``error`` says why there is no answer at all.
    """

    healthy: tuple[str, ...] = ()
    unhealthy: tuple[tuple[str, int | None], ...] = ()
    error: str | None = None


def deep_health(
    provider: Provider, timeout: float = DEEP_HEALTH_TIMEOUT, *, names: Mapping[str, str]
) -> UpstreamHealth:
    """``/health``, which calls every upstream (and costs requests), named by ``names``.

    ``/health`` names a deployment by its ``litellm_params.model`` (five proxy models routed to
    ``openai/gpt-4`` all read ``openai/gpt-4``) and its ``model_id``; ``names`` maps that id to
    the model name clients use (``/model/info``'s, which the caller has already read: see
    ``DiscoveredModel.deployment_ids``), so this asks the proxy for ``/health`` alone.
    """
    import httpx2

    try:
        with httpx2.Client(timeout=timeout) as http:
            answer = http.get(f"{_root(provider)}/health", headers=_headers(provider))
    except httpx2.TimeoutException:
        return UpstreamHealth(error=f"/health did not answer within {timeout:g} s")
    except httpx2.HTTPError as error:
        return UpstreamHealth(error=f"/health could not be reached ({type(error).__name__})")
    if not answer.is_success:
        return UpstreamHealth(error=f"/health answered {answer.status_code}")
    try:
        body = answer.json()
    except ValueError:
        body = None
    if not isinstance(body, Mapping):
        return UpstreamHealth(error="/health did not answer as LiteLLM does")
    healthy = tuple(name for name, _ in _rows(body.get("healthy_endpoints"), names))
    return UpstreamHealth(healthy, tuple(_rows(body.get("unhealthy_endpoints"), names)))


def _rows(rows: Any, names: Mapping[str, str]) -> list[tuple[str, int | None]]:
    """(model name, failure status) per deployment; LiteLLM's upstream model name when the
    proxy's own name is unknown."""
    found: list[tuple[str, int | None]] = []
    for row in rows if isinstance(rows, Sequence) and not isinstance(rows, str) else []:
        if not isinstance(row, Mapping):
            continue
        model_id = row.get("model_id")
        name = names.get(model_id) if isinstance(model_id, str) else None
        name = name or row.get("model_name") or row.get("model")
        if isinstance(name, str):
            status = row.get("exception_status")
            found.append((name, _whole(status)))
    return found


__all__ = [
    "BUDGET_WARNING",
    "DEEP_HEALTH_TIMEOUT",
    "NO_DB",
    "Health",
    "KeyInfo",
    "KeyStatus",
    "UpstreamHealth",
    "check_health",
    "deep_health",
    "key_status",
    "parse_key_info",
    "parse_readiness",
]
