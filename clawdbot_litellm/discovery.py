"""What the proxy itself says it serves: ``/v1/models`` and ``/model/info`` as model definitions.

Onboarding, ``models list --remote``, ``models sync`` and ``doctor`` all read the proxy through
this one function, so nobody copies context windows from the proxy's YAML by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .config.resolve import ResolvedConfig, from_environment
from .config.schema import DEFAULT_PROVIDER, MIN_CONTEXT_WINDOW, ModelDefinition
from .errors import ProxyError
from .refs import ModelRef, ModelTarget

DISCOVERY_TIMEOUT = 10.0


@dataclass(frozen=True)
class DiscoveredModel:
    """One model the proxy serves, with the limits and abilities it reports (``None``: unsaid)."""

    id: str
    context_window: int | None = None
    max_tokens: int | None = None
    reasoning: bool | None = None
    vision: bool | None = None
    # The proxy's prices per one million tokens, as a config ``cost`` (input, output, cacheRead,
    # cacheWrite); ``None`` when the proxy gives none.
    prices: Mapping[str, float] | None = None
    # ``/model/info``'s ``model_info.id`` of each deployment behind this name: ``/health`` names
    # deployments by these ids, so ``doctor --deep`` reads the proxy's names from them.
    deployment_ids: tuple[str, ...] = ()

    @property
    def too_small(self) -> bool:
        """The proxy reports a context window below the minimum Clawdbot accepts."""
        return self.context_window is not None and self.context_window < MIN_CONTEXT_WINDOW

    @property
    def too_small_note(self) -> str:
        """Why the model cannot be configured, in the words the wizard and ``models sync`` use."""
        window, least = self.context_window, MIN_CONTEXT_WINDOW
        return f"{window} tokens: too small for Clawdbot (at least {least})"

    def definition(self, name: str | None = None) -> dict[str, Any]:
        """A camelCase model entry for the config file, in the seed page's shape."""
        entry: dict[str, Any] = {"id": self.id, "name": name or self.id}
        entry["reasoning"] = bool(self.reasoning)
        entry["input"] = ["text", "image"] if self.vision else ["text"]
        if self.context_window:
            entry["contextWindow"] = self.context_window
        if self.max_tokens:
            entry["maxTokens"] = self.max_tokens
        if self.prices:
            entry["cost"] = dict(self.prices)
        return entry


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


# /model/info's per-token price fields -> the config's per-million ``cost`` keys.
PRICE_FIELDS = {
    "input": "input_cost_per_token",
    "output": "output_cost_per_token",
    "cacheRead": "cache_read_input_token_cost",
    "cacheWrite": "cache_creation_input_token_cost",
}


def per_million(per_token: float) -> float | int:
    """A per-token price as a per-million one, exactly: ``3e-06`` -> ``3``, never ``2.9999999999``.

    Through ``Decimal(repr(...))``: the shortest decimal that round-trips the float, times 10**6.
    """
    value = Decimal(repr(per_token)) * 1_000_000
    return int(value) if value == value.to_integral_value() else float(value)


def _prices(details: Mapping[str, Any]) -> dict[str, float] | None:
    prices = {}
    for key, field in PRICE_FIELDS.items():
        raw = details.get(field)
        if isinstance(raw, (int, float)) and not isinstance(raw, bool) and raw >= 0:
            prices[key] = per_million(float(raw))
    return prices if any(prices.values()) else None


def _merge_info(models: dict[str, DiscoveredModel], info: Any) -> None:
    rows = info.get("data") if isinstance(info, Mapping) else None
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, Mapping) or not isinstance(row.get("model_name"), str):
            continue
        raw_details = row.get("model_info")
        details: Mapping[str, Any] = raw_details if isinstance(raw_details, Mapping) else {}
        known = models.get(row["model_name"], DiscoveredModel(row["model_name"]))
        deployment = details.get("id")
        models[known.id] = DiscoveredModel(
            id=known.id,
            context_window=_positive(details.get("max_input_tokens")) or known.context_window,
            max_tokens=_positive(details.get("max_output_tokens"))
            or _positive(details.get("max_tokens"))
            or known.max_tokens,
            reasoning=_flag(details.get("supports_reasoning")),
            vision=_flag(details.get("supports_vision")),
            prices=_prices(details),
            deployment_ids=known.deployment_ids
            + ((deployment,) if isinstance(deployment, str) else ()),
        )


def _probe_config(base_url: str, api_key: str | None) -> ResolvedConfig:
    """A throwaway ``litellm`` provider for a URL and key that are not in any config yet."""
    return from_environment({"LITELLM_BASE_URL": base_url, "LITELLM_API_KEY": api_key or ""})


def discover_models(
    base_url: str,
    api_key: str | None,
    *,
    timeout: float = DISCOVERY_TIMEOUT,
    headers: Mapping[str, str] | None = None,
) -> list[DiscoveredModel]:
    """Ask the proxy at ``base_url`` (no ``/v1``) which models it serves, and their limits.

    ``headers`` are the provider's own (a gateway in front of the proxy may need them), sent
    with both requests as with every chat request.

    ``/v1/models`` is required; ``/model/info`` (LiteLLM's richer catalogue) is used when it
    answers, and is asked once: callers that need more of it (``doctor --deep``'s deployment
    names) read it from the result, not from the proxy again. Raises ``ProxyError``
    subclasses (unreachable, key rejected, ...).
    """
    import openai

    from .client import Client
    from .proxy_errors import map_error

    config = _probe_config(base_url, api_key)
    provider = config.providers[DEFAULT_PROVIDER]
    target = ModelTarget(ModelRef(DEFAULT_PROVIDER, "*"), provider, provider.models[0])
    with Client(config, max_retries=0, timeout=timeout) as adapter:
        api = adapter.openai_client(DEFAULT_PROVIDER)
        sent: dict[str, Any] = dict(headers or {})
        if not target.provider.api_key:
            sent["Authorization"] = openai.omit
        try:
            listed = api.models.list(extra_headers=sent)
        except openai.APIError as error:
            raise map_error(error, target) from error
        models: dict[str, DiscoveredModel] = {}
        for item in listed:
            extra = item.model_extra or {}
            models[item.id] = DiscoveredModel(
                item.id,
                context_window=_positive(extra.get("max_input_tokens")),
                max_tokens=_positive(extra.get("max_output_tokens")),
            )
        try:
            info = api.get("model/info", cast_to=object, options={"headers": sent})
        except (openai.APIError, ProxyError):
            info = None  # an older proxy, or a plain OpenAI-compatible server
        _merge_info(models, info)
    return list(models.values())


def apply_discovery(model: ModelDefinition, found: DiscoveredModel) -> dict[str, Any]:
    """The changes discovery suggests for a configured model, as camelCase key -> new value.

    ``cost`` is the proxy's prices per million tokens (keys it does not price stay as set).
    """
    changes: dict[str, Any] = {}
    if found.context_window and found.context_window != model.context_window:
        changes["contextWindow"] = found.context_window
    if found.max_tokens and found.max_tokens != model.max_tokens:
        changes["maxTokens"] = found.max_tokens
    if found.reasoning is not None and found.reasoning != model.reasoning:
        changes["reasoning"] = found.reasoning
    if found.vision is not None and found.vision != model.accepts_images:
        changes["input"] = ["text", "image"] if found.vision else ["text"]
    if found.prices is not None:
        current = model.cost
        configured = {
            "input": current.input,
            "output": current.output,
            "cacheRead": current.cache_read,
            "cacheWrite": current.cache_write,
        }
        wanted = {**configured, **found.prices}
        if wanted != configured:
            changes["cost"] = wanted
    return changes
