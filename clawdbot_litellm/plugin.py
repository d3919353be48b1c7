"""Providers as plugins: the protocol a provider implements, this package's ``litellm`` provider,
and host-side discovery that survives broken plugins.

Hosts find providers through the ``clawdbot.providers`` entry-point group, without importing any
provider package by name (see ``docs/plugins.md``)::

    found = discover_providers()
    client = found.providers["litellm"].create_client(load_config())

Discovery never raises because of a plugin. One that fails to import (any ``Exception``, and
also ``SystemExit``: a plugin calling ``sys.exit()`` at import must not end the host), that is not
a valid provider, or that claims an id already taken is recorded in ``Discovery.failures`` with
its distribution and version. ``KeyboardInterrupt`` still propagates: the person at the
keyboard wins. Even unreadable entry-point metadata, which makes
``importlib.metadata.entry_points()`` itself raise, only costs the distribution that has it.

Two environment variables let a user step in without changing the host:

- ``CLAWDBOT_PROVIDERS_ALLOW=name,other``: only entry points whose name or distribution name is
  listed are loaded (distribution names compare as pip does: case and ``-_.`` do not matter).
- ``CLAWDBOT_PROVIDERS_DISABLE=1``: no entry point is loaded (any value but ``0``, ``false``,
  ``no``, ``off`` or empty counts as set).

Neither switch holds back this package's own ``litellm`` entry point: it is the code whose API the
host is calling, so loading it runs nothing new. Entry points a switch held back are listed in
``Discovery.skipped``. Duplicate ids: this package's ``litellm`` comes first, then entry points in
order of distribution name and entry-point name; the first claim wins and later ones are failures.
Nothing here imports ``openai``.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from .config.resolve import (
    DEFAULT_BASE_URL,
    ENV_API_KEY,
    ENV_BASE_URL,
    ENV_MODEL,
    ImplicitProvider,
    litellm_from_environment,
)
from .config.schema import DEFAULT_PROVIDER, Source
from .plugin_index import (
    ENV_ALLOW,
    ENV_DISABLE,
    GROUP,
    OWN_TARGET,
    plugins_disabled,
    read_entry_points_text,
)

if TYPE_CHECKING:
    from .client import Client
    from .config.resolve import ResolvedConfig
    from .discovery import DiscoveredModel


_PROVIDER_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_TEXT_MEMBERS = ("id", "label", "api", "default_base_url", "auth_choice")
_CALL_MEMBERS = ("implicit_provider", "create_client", "discover_models", "onboard")
PROTOCOL_MEMBERS = (*_TEXT_MEMBERS, "env_vars", *_CALL_MEMBERS)

FailureKind = Literal["load", "invalid", "duplicate", "metadata", "implicit"]


@runtime_checkable
class ProviderPlugin(Protocol):
    """What a host may rely on from any provider found in ``clawdbot.providers``.

    A second provider package implements this (no subclassing needed) and registers the object,
    a class, or a no-argument factory under the group.
    """

    @property
    def id(self) -> str:
        """Provider name in refs and ``models.providers`` (lower case, no ``/``)."""
        ...

    @property
    def label(self) -> str:
        """Human-readable name for pickers and listings."""
        ...

    @property
    def api(self) -> str:
        """The API it speaks, as Clawdbot spells it (``openai-completions``)."""
        ...

    @property
    def default_base_url(self) -> str: ...

    @property
    def env_vars(self) -> Sequence[str]:
        """Environment variables it reads, so a host can document or forward them."""
        ...

    @property
    def auth_choice(self) -> str:
        """The ``--auth-choice`` value of Clawdbot's onboarding (``litellm-api-key``)."""
        ...

    def implicit_provider(self, environ: Mapping[str, str]) -> ImplicitProvider | None:
        """The provider this environment describes without a config entry, if any."""
        ...

    def create_client(self, config: ResolvedConfig | None = None, **options: Any) -> Any:
        """The adapter that sends requests, built from a resolved config (or the environment)."""
        ...

    def discover_models(
        self, base_url: str, api_key: str | None, *, timeout: float = 10.0
    ) -> Sequence[Any]:
        """The models the server says it serves."""
        ...

    def onboard(self, *args: Any, **kwargs: Any) -> Any:
        """Write this provider into a config file."""
        ...


class LiteLLMProvider:
    """The ``litellm`` provider: a LiteLLM proxy spoken to over the OpenAI Completions API.

    Every call imports its implementation on use, so loading the entry point stays cheap and
    never imports ``openai``.
    """

    id = DEFAULT_PROVIDER
    label = "LiteLLM"
    api = "openai-completions"
    default_base_url = DEFAULT_BASE_URL
    env_vars: tuple[str, ...] = (ENV_API_KEY, ENV_BASE_URL, ENV_MODEL)
    auth_choice = "litellm-api-key"

    def __repr__(self) -> str:
        return f"<provider {self.id!r}: {self.label}, {self.api}>"

    def implicit_provider(self, environ: Mapping[str, str] | None = None) -> ImplicitProvider:
        """What ``LITELLM_*`` describe; the config engine itself uses the same function."""
        return litellm_from_environment(os.environ if environ is None else environ, frozenset())

    def create_client(self, config: ResolvedConfig | None = None, **options: Any) -> Client:
        from .client import Client

        return Client(config, **options)

    def discover_models(
        self, base_url: str, api_key: str | None, *, timeout: float = 10.0
    ) -> list[DiscoveredModel]:
        from .discovery import discover_models

        return discover_models(base_url, api_key, timeout=timeout)

    def onboard(self, *args: Any, **kwargs: Any) -> Any:
        from .onboarding import onboard

        return onboard(*args, **kwargs)


litellm_provider = LiteLLMProvider()


@dataclass(frozen=True)
class PluginOrigin:
    """The entry point, and the installed distribution declaring it, that a provider came from."""

    entry_point: str
    target: str
    distribution: str | None
    version: str | None


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that could not be used, and why; ``exception`` keeps the traceback for debugging."""

    entry_point: str
    distribution: str | None
    version: str | None
    error: str
    kind: FailureKind = "load"
    target: str = ""
    exception: BaseException | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Discovery:
    """What ``discover_providers`` found: usable providers by id, and apart, what went wrong."""

    providers: dict[str, ProviderPlugin] = field(default_factory=dict)
    origins: dict[str, PluginOrigin] = field(default_factory=dict)
    failures: list[PluginFailure] = field(default_factory=list)
    skipped: list[PluginOrigin] = field(default_factory=list)
    skip_reason: str = ""
    group: str = GROUP


class InvalidProviderError(TypeError):
    """``as_provider`` refused an object; discovery turns it into an ``invalid`` failure record.

    A ``TypeError`` (a plugin author's mistake, not a user's), so not a ``ClawdbotLiteLLMError``.
    """


def as_provider(loaded: object) -> ProviderPlugin:
    """Accept a provider object, or a class or factory that builds one; say what is wrong."""
    candidate = loaded
    if isinstance(loaded, type) or (callable(loaded) and not isinstance(loaded, ProviderPlugin)):
        candidate = loaded()
    missing = [name for name in PROTOCOL_MEMBERS if not hasattr(candidate, name)]
    if missing or not isinstance(candidate, ProviderPlugin):
        raise InvalidProviderError(
            f"{type(candidate).__name__} object is not a provider: missing {', '.join(missing)}"
        )
    for name in _TEXT_MEMBERS:
        value = getattr(candidate, name)
        if not isinstance(value, str) or not value.strip():
            raise InvalidProviderError(f"{name} must be a non-empty string, got {value!r}")
    if not _PROVIDER_ID.match(candidate.id):
        raise InvalidProviderError(
            f"id {candidate.id!r} cannot name a provider in a ref: use lower-case letters, "
            "digits, '.', '_' or '-', without '/'"
        )
    env_vars = candidate.env_vars
    if isinstance(env_vars, str) or not all(isinstance(v, str) for v in env_vars):
        raise InvalidProviderError(f"env_vars must be a sequence of names, got {env_vars!r}")
    for name in _CALL_MEMBERS:
        if not callable(getattr(candidate, name)):
            raise InvalidProviderError(f"{name} must be callable")
    return candidate


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def _entry_points(
    group: str, failures: list[PluginFailure]
) -> Iterator[tuple[importlib.metadata.EntryPoint, str | None, str | None]]:
    """Each distribution's entry points of ``group``, read one distribution at a time.

    ``importlib.metadata.entry_points()`` raises for everyone when one distribution's
    ``entry_points.txt`` is malformed; here only that distribution is lost (and reported when its
    file mentions the group). A distribution found twice on ``sys.path`` counts once, the first.
    """
    seen: set[str] = set()
    for dist in importlib.metadata.distributions():
        name: str | None = None
        version: str | None = None
        try:
            name = dist.metadata["Name"]
            version = dist.version
            if name:
                if _normalise(name) in seen:
                    continue
                seen.add(_normalise(name))
            points = [ep for ep in dist.entry_points if ep.group == group]
        except Exception as error:
            text = read_entry_points_text(dist)
            if f"[{group}]" in text:
                failures.append(
                    PluginFailure(
                        "(metadata)",
                        name,
                        version,
                        f"unreadable entry-point metadata: {_describe(error)}",
                        kind="metadata",
                        exception=error,
                    )
                )
            continue
        for point in points:
            yield point, name, version


def _switches(environ: Mapping[str, str]) -> tuple[frozenset[str] | None, str]:
    """The allowed names (``None``: all) and the reason to give for what is held back."""
    if plugins_disabled(environ):
        return frozenset(), f"{ENV_DISABLE}={environ.get(ENV_DISABLE, '')}"
    allow = environ.get(ENV_ALLOW, "")
    names = frozenset(_normalise(n.strip()) for n in allow.split(",") if n.strip())
    if names:
        return names, f"not listed in {ENV_ALLOW}={allow}"
    return None, ""


def _failure(
    origin: PluginOrigin, message: str, kind: FailureKind, error: BaseException | None = None
) -> PluginFailure:
    return PluginFailure(
        origin.entry_point,
        origin.distribution,
        origin.version,
        message,
        kind=kind,
        target=origin.target,
        exception=error,
    )


def _is_own(point: importlib.metadata.EntryPoint) -> bool:
    return point.value.replace(" ", "") == OWN_TARGET


def discover_providers(
    *, group: str = GROUP, environ: Mapping[str, str] | None = None
) -> Discovery:
    """Load every provider registered in ``group``; broken plugins become failures, never errors."""
    env = os.environ if environ is None else environ
    allowed, reason = _switches(env)
    result = Discovery(group=group, skip_reason=reason)
    found = sorted(
        _entry_points(group, result.failures),
        key=lambda item: (not _is_own(item[0]), _normalise(item[1] or ""), item[0].name),
    )
    for point, dist_name, version in found:
        origin = PluginOrigin(point.name, point.value, dist_name, version)
        names = {_normalise(point.name), _normalise(dist_name or "")}
        if allowed is not None and not _is_own(point) and not names & allowed:
            result.skipped.append(origin)
            continue

        try:
            provider = as_provider(point.load())
        except InvalidProviderError as error:
            result.failures.append(_failure(origin, f"not a valid provider: {error}", "invalid"))
            continue
        except (Exception, SystemExit) as error:
            message = f"failed to load: {_describe(error)}"
            result.failures.append(_failure(origin, message, "load", error))
            continue
        first = result.origins.get(provider.id)
        if first is not None:
            message = (
                f"duplicate provider id {provider.id!r}: already provided by entry point "
                f"{first.entry_point!r} of {first.distribution} {first.version}; this one is "
                "ignored"
            )
            result.failures.append(_failure(origin, message, "duplicate"))
            continue
        result.providers[provider.id] = provider
        result.origins[provider.id] = origin
    return result


def implicit_providers(
    discovery: Discovery, environ: Mapping[str, str] | None = None
) -> dict[str, ImplicitProvider]:
    """What the discovered plugins supply without a config entry, for ``load_config(implicit=)``.

    With ``models.mode: "merge"`` configured providers are laid over these; with ``"replace"``
    they are dropped. ``litellm`` is left to the config engine, which derives it from
    ``LITELLM_*`` *and* the config's ``env`` block (a plugin only sees the process environment).
    A plugin whose ``implicit_provider`` raises or returns something else is added to
    ``discovery.failures`` and left out.
    """
    env = os.environ if environ is None else environ
    supplied: dict[str, ImplicitProvider] = {}
    for provider_id, provider in discovery.providers.items():
        if provider_id == DEFAULT_PROVIDER:
            continue
        origin = discovery.origins[provider_id]
        try:
            item = provider.implicit_provider(env)
            if item is not None and not isinstance(item, ImplicitProvider):
                raise InvalidProviderError(
                    f"implicit_provider returned {type(item).__name__}, not ImplicitProvider"
                )
        except (Exception, SystemExit) as error:
            message = f"implicit_provider failed: {_describe(error)}"
            discovery.failures.append(_failure(origin, message, "implicit", error))
            continue
        if item is None:
            continue
        detail = f"{origin.distribution} {origin.version} (entry point {origin.entry_point})"
        plugin_source = Source("plugin", detail)
        sources = {key: plugin_source for key in ("baseUrl", "apiKey", "models")}
        supplied[provider_id] = ImplicitProvider(item.config, {**sources, **item.sources})
    return supplied


__all__ = [
    "ENV_ALLOW",
    "ENV_DISABLE",
    "GROUP",
    "Discovery",
    "InvalidProviderError",
    "LiteLLMProvider",
    "PluginFailure",
    "PluginOrigin",
    "ProviderPlugin",
    "as_provider",
    "discover_providers",
    "implicit_providers",
    "litellm_provider",
]
