"""From a loaded document to the providers a request can use, and where each value came from.

Order of precedence, per value: the config file (or a file it includes), then the ``LITELLM_*``
environment, then defaults. ``models.mode: "merge"`` lays configured providers over the implicit
ones (the environment's ``litellm`` provider and any a plugin supplies); ``"replace"`` keeps only
the configured ones.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import ValidationError

from ..errors import ClawdbotLiteLLMError, ConfigValidationError, Problem, UnsupportedAPIError
from ..refs import (
    CandidateChain,
    ModelTarget,
    alias_table,
    candidate_chain,
    configured_refs,
    resolve_ref,
)
from .clawdbot_schema import unknown_key_problems
from .load import (
    Document,
    effective_environ,
    expand_document,
    load_document,
    origin_of,
    references,
    substitute,
)
from .locate import config_path
from .schema import (
    DEFAULT_PROVIDER,
    MIN_CONTEXT_WINDOW,
    WARN_CONTEXT_WINDOW,
    ClawdbotConfig,
    ModelDefinition,
    ModelEntry,
    Provider,
    ProviderConfig,
    Source,
    SourceKind,
    validate_config,
)
from .secrets import display_url

DEFAULT_BASE_URL = "http://localhost:4000"
DEFAULT_MODEL = "gpt-4"
ENV_API_KEY = "LITELLM_API_KEY"
ENV_BASE_URL = "LITELLM_BASE_URL"
ENV_MODEL = "LITELLM_MODEL"


class ConfigWarning(UserWarning):
    """Something in the config works, but probably not as the user meant."""


def normalise_base_url(
    provider: str, url: str, source: Source | None = None
) -> tuple[str, str | None]:
    """Trim and drop trailing slashes; for ``litellm`` also a trailing ``/v1`` (with a warning
    naming the URL the client uses and the fix: the ``config set`` for a literal in the file;
    for a URL from a variable, where it is set, since ``config set`` would replace the
    reference with the literal)."""
    url = url.strip()
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    warning = None
    if provider == DEFAULT_PROVIDER and path.lower().endswith("/v1"):
        path = path[:-3].rstrip("/")
        fixed = urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))
        from_variable = source is not None and (
            source.kind in ("environment", "env-block") or "${" in source.detail
        )
        fix = (
            f"Drop the /v1 where it is set ({source})"
            if from_variable
            else f"Fix the file: clawdbot-litellm config set models.providers.{provider}.baseUrl "
            f"{display_url(fixed)}"
        )
        warning = (
            f"models.providers.{provider}.baseUrl ends in /v1 ({display_url(url)}); the client "
            f"appends /v1 itself, so it uses {display_url(fixed)}. {fix}"
        )
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment)), warning


def base_url_to_store(segments: Sequence[str | int], value: Any) -> tuple[Any, str | None]:
    """What an edit of ``models.providers.litellm.baseUrl`` stores: the URL without ``/v1``
    (the client appends it), and a note saying so when it was dropped.

    The one place of the rule: ``set_config_value`` (so ``config set``) and onboarding use it.
    A value holding a ``${VAR}`` reference is stored exactly as written: the editor never
    resolves or rewrites references (loading the file still warns about a ``/v1``).
    """
    target = ["models", "providers", DEFAULT_PROVIDER, "baseUrl"]
    if [str(s) for s in segments] != target or not isinstance(value, str) or "${" in value:
        return value, None
    stored, warning = normalise_base_url(DEFAULT_PROVIDER, value)
    if warning is None:
        return value, None
    return stored, (
        f"stored {display_url(stored)} without the /v1: the client appends /v1 itself "
        f"(requests go to {display_url(stored)}/v1/...)"
    )


def _source(
    document: Document, segments: list[str | int], raw_value: Any, from_block: frozenset[str]
) -> Source:
    file = origin_of(document.origins, segments)
    kind: SourceKind = (
        "file" if file is None or Path(file) == document.path.resolve() else "include"
    )
    detail = file or str(document.path)
    # Only a string can be written "via ${VAR}"; walking a whole models list to find out would
    # cost as much as validating it.
    names = [name for name, _ in references(raw_value)] if isinstance(raw_value, str) else []
    if names:
        detail += f" via ${{{names[0]}}}"
        if names[0] in from_block:
            detail += " (set by the env block)"
    return Source(kind, detail)


def resolve_api_key(value: str | None, environ: Mapping[str, str]) -> str | None:
    """Clawdbot's convention: a value that names a set environment variable means its value."""
    if value is None:
        return None
    named = environ.get(value.strip())
    if named and value.strip() == value.strip().upper() and value.strip().isidentifier():
        return named
    return value


@dataclass(frozen=True)
class ImplicitProvider:
    """A provider that exists without a config entry (the environment's, or a plugin's)."""

    config: ProviderConfig
    sources: Mapping[str, Source]


def litellm_from_environment(
    environ: Mapping[str, str], env_block_names: frozenset[str]
) -> ImplicitProvider:
    """The ``litellm`` provider that ``LITELLM_BASE_URL/API_KEY/MODEL`` describe on their own.

    Raises ``ConfigValidationError`` naming the variable when ``LITELLM_BASE_URL`` is not a URL.
    """

    def source(name: str) -> Source:
        if not environ.get(name, "").strip():
            return Source("default")
        return Source("env-block" if name in env_block_names else "environment", name)

    base_url = environ.get(ENV_BASE_URL, "").strip() or DEFAULT_BASE_URL
    model_id = environ.get(ENV_MODEL, "").strip() or DEFAULT_MODEL
    api_key = environ.get(ENV_API_KEY, "").strip() or None
    try:
        config = ProviderConfig(
            base_url=base_url,
            api_key=api_key,
            api="openai-completions",
            models=(ModelDefinition(id=model_id, name=model_id),),
        )
    except ValidationError as error:
        # Only the URL can be wrong: the model id is non-empty and the rest are constants.
        where = "the env block" if ENV_BASE_URL in env_block_names else "the environment"
        reason = error.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
        raise ConfigValidationError(where, [Problem(ENV_BASE_URL, reason)]) from None
    return ImplicitProvider(
        config,
        {
            "baseUrl": source(ENV_BASE_URL),
            "apiKey": source(ENV_API_KEY),
            "models": source(ENV_MODEL),
        },
    )


@dataclass(frozen=True)
class ResolvedConfig:
    """The config as a request sees it: providers, aliases, the primary model and fallbacks."""

    document: Document = field(repr=False)
    config: ClawdbotConfig = field(repr=False)
    data: Mapping[str, Any] = field(repr=False)
    providers: Mapping[str, Provider]
    aliases: Mapping[str, str]
    primary: str | None
    fallbacks: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    sources: Mapping[str, Source] = field(default_factory=dict, repr=False)

    @property
    def path(self) -> Path:
        return self.document.path

    def resolve(self, ref_or_alias: str | None = None) -> ModelTarget:
        """A ref, alias or bare id (default: the primary model) to its provider and model."""
        text = ref_or_alias or self.primary
        if not text:
            return candidate_chain(None, None, (), self.providers, self.aliases)[0]
        return resolve_ref(text, self.providers, self.aliases)

    def candidates(self, ref_or_alias: str | None = None) -> CandidateChain:
        """The requested (or primary) model, then the configured fallbacks, de-duplicated.

        A fallback that resolves to nothing, and a primary model or fallback this package cannot
        send to (a provider Clawdbot serves itself, or another ``api``), is left out with a
        one-line ``ConfigWarning`` (the chain's ``notes``).
        """
        chain = candidate_chain(
            ref_or_alias, self.primary, self.fallbacks, self.providers, self.aliases
        )
        for note in chain.notes:
            warnings.warn(note, ConfigWarning, stacklevel=2)
        return chain

    def resolved_data(self) -> dict[str, Any]:
        """The document as Clawdbot sees it: includes, env block and ``${VAR}`` applied, and
        every configured model with its defaults filled in (what ``config get`` shows)."""
        data = dict(self.data)
        section = data.get("models")
        if isinstance(section, dict) and isinstance(section.get("providers"), dict):
            providers = dict(section["providers"])
            for name, provider in self.config.models.providers.items():
                entry = dict(providers[name])
                if name in self.providers:  # the URL the client uses (no trailing /v1)
                    entry["baseUrl"] = self.providers[name].base_url
                entry["models"] = [
                    m.model_dump(by_alias=True, exclude_none=True) for m in provider.models
                ]
                providers[name] = entry
            data["models"] = {**section, "providers": providers}
        return data

    def refs(self) -> list[str]:
        """Every ``provider/model`` a request can name, in config order."""
        return configured_refs(self.providers)

    def check(self) -> list[Problem]:
        """Problems the schema cannot see: keys Clawdbot's schema refuses, refs that resolve to
        nothing, context windows Clawdbot refuses.

        A ref to a provider Clawdbot serves itself (``anthropic/...``) or to a configured
        provider with another ``api`` is valid: Clawdbot runs it, this package only skips it."""
        problems: list[Problem] = unknown_key_problems(self.data)
        defaults = self.config.agents.defaults
        for key, text in [("primary", defaults.model.primary)] + [
            (f"fallbacks[{i}]", f) for i, f in enumerate(defaults.model.fallbacks)
        ]:
            if text is None:
                continue
            try:
                resolve_ref(text, self.providers, self.aliases)
            except UnsupportedAPIError:
                continue
            except ClawdbotLiteLLMError as error:
                problems.append(Problem(f"agents.defaults.model.{key}", str(error)))
        for name, provider in self.providers.items():
            for index, model in enumerate(provider.models):
                if model.context_window < MIN_CONTEXT_WINDOW:
                    problems.append(
                        Problem(
                            f"models.providers.{name}.models[{index}].contextWindow",
                            f"{model.context_window} is below the minimum of "
                            f"{MIN_CONTEXT_WINDOW} tokens that Clawdbot accepts",
                        )
                    )
        return problems


def resolve_quietly(
    document: Document, environ: Mapping[str, str], implicit: Mapping[str, ImplicitProvider] | None
) -> ResolvedConfig:
    """Resolve for checking: warnings kept on the result, unset ``${VAR}`` left in place."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfigWarning)
        return resolve_document(document, environ, implicit, keep_missing_vars=True)


def resolve_document(
    document: Document,
    environ: Mapping[str, str] | None = None,
    implicit: Mapping[str, ImplicitProvider] | None = None,
    *,
    keep_missing_vars: bool = False,
) -> ResolvedConfig:
    """Env block, ``${VAR}``, schema, then providers: the whole pipeline after reading.

    ``keep_missing_vars`` leaves references to unset variables in place instead of failing; the
    editor validates with it so an edit is judged on the schema, not on this shell's environment.
    """
    env, from_block = effective_environ(document.merged, os.environ if environ is None else environ)
    data = substitute(document.merged, env, keep_missing=keep_missing_vars)
    config = validate_config(data, str(document.path))

    notes: list[str] = []
    providers: dict[str, Provider] = {}
    if config.models.mode == "merge":
        implicit_providers = dict(implicit or {})
        # The environment's litellm is only needed when neither the file nor a plugin has one,
        # so a stray LITELLM_BASE_URL cannot break a config that never uses it.
        if DEFAULT_PROVIDER not in config.models.providers:
            implicit_providers.setdefault(
                DEFAULT_PROVIDER, litellm_from_environment(env, from_block)
            )
        for name, item in sorted(
            implicit_providers.items(), key=lambda pair: pair[0] != DEFAULT_PROVIDER
        ):
            providers[name] = _provider(name, item.config, env, dict(item.sources), notes)
    configured = document.merged.get("models", {}).get("providers", {})
    for name, declared in config.models.providers.items():
        raw = configured.get(name, {})
        segments: list[str | int] = ["models", "providers", name]
        sources = {
            "baseUrl": _source(document, [*segments, "baseUrl"], raw.get("baseUrl"), from_block),
            "models": _source(document, [*segments, "models"], raw.get("models"), from_block),
        }
        if _present(declared.api_key):
            key_source = _source(document, [*segments, "apiKey"], raw.get("apiKey"), from_block)
            named = (declared.api_key or "").strip()
            if resolve_api_key(named, env) != named:
                key_source = Source(key_source.kind, f"{key_source.detail} naming ${named}")
            sources["apiKey"] = key_source
        provider_config = _fill_from_environment(name, declared, env, from_block, sources)
        providers[name] = _provider(name, provider_config, env, sources, notes, declared=True)

    defaults = config.agents.defaults
    primary = defaults.model.primary
    if primary is None and DEFAULT_PROVIDER in providers:
        litellm = providers[DEFAULT_PROVIDER]
        default_id = env.get(ENV_MODEL, "").strip() or next((m.id for m in litellm.models), None)
        primary = f"{DEFAULT_PROVIDER}/{default_id}" if default_id else None
    fallbacks = tuple(dict.fromkeys(f.strip() for f in defaults.model.fallbacks if f.strip()))
    aliases = alias_table({ref: entry.alias for ref, entry in defaults.models.items()})
    notes.extend(_alias_notes(defaults.models))

    for name, provider in providers.items():
        for model in provider.models:
            if MIN_CONTEXT_WINDOW <= model.context_window < WARN_CONTEXT_WINDOW:
                notes.append(
                    f"{name}/{model.id}: contextWindow {model.context_window} is small "
                    f"(under {WARN_CONTEXT_WINDOW}); long conversations will not fit"
                )
    for note in notes:
        warnings.warn(note, ConfigWarning, stacklevel=3)
    return ResolvedConfig(
        document=document,
        config=config,
        data=data,
        providers=providers,
        aliases=aliases,
        primary=primary,
        fallbacks=fallbacks,
        warnings=tuple(notes),
        sources={f"{n}.{k}": v for n, p in providers.items() for k, v in p.sources.items()},
    )


def _alias_notes(entries: Mapping[str, ModelEntry]) -> list[str]:
    """Aliases Clawdbot accepts but that do not do what they seem to: one alias (compared
    without case) on two models, where the last entry wins, and an alias holding '/'."""
    notes: list[str] = []
    owner: dict[str, str] = {}
    for ref, entry in entries.items():
        if not entry.alias or not entry.alias.strip():
            continue
        alias = entry.alias.strip()
        earlier = owner.get(alias.lower())
        if earlier is not None and earlier != ref:
            notes.append(
                f"agents.defaults.models[{ref}].alias: alias {alias!r} is also used by {earlier}; "
                f"as in Clawdbot, the last entry wins, so {alias!r} means {ref}"
            )
        owner[alias.lower()] = ref
        if "/" in alias:
            notes.append(
                f"agents.defaults.models[{ref}].alias: alias {alias!r} contains '/', so it is "
                "read as a ref and never as this alias; choose a name without '/'"
            )
    return notes


def _fill_from_environment(
    name: str,
    provider: ProviderConfig,
    env: Mapping[str, str],
    from_block: frozenset[str],
    sources: dict[str, Source],
) -> ProviderConfig:
    """A configured ``litellm`` provider with a missing or blank ``apiKey`` uses the environment."""
    if name != DEFAULT_PROVIDER or _present(provider.api_key):
        return provider
    key = env.get(ENV_API_KEY, "").strip()
    if not key:
        return provider
    sources["apiKey"] = Source(
        "env-block" if ENV_API_KEY in from_block else "environment", ENV_API_KEY
    )
    return provider.model_copy(update={"api_key": key})


def _present(value: str | None) -> bool:
    """A blank key (``apiKey: ""`` left by an aborted onboarding) counts as no key."""
    return value is not None and value.strip() != ""


def _provider(
    name: str,
    config: ProviderConfig,
    env: Mapping[str, str],
    sources: dict[str, Source],
    notes: list[str],
    *,
    declared: bool = False,
) -> Provider:
    base_url, warning = normalise_base_url(name, config.base_url, sources.get("baseUrl"))
    if warning:
        notes.append(warning)
    return Provider(
        name=name,
        base_url=base_url,
        api_key=resolve_api_key(config.api_key, env) if _present(config.api_key) else None,
        api=config.api or "openai-completions",
        headers=dict(config.headers or {}),
        models=config.models,
        sources=sources,
        declared=declared,
    )


def from_environment(
    environ: Mapping[str, str] | None = None,
    implicit: Mapping[str, ImplicitProvider] | None = None,
) -> ResolvedConfig:
    """The config that ``LITELLM_*`` (and any implicit providers) describe with no file at all.

    What ``Client.from_env`` and discovery's throwaway probe both use.
    """
    env = os.environ if environ is None else environ
    return resolve_document(expand_document(Path("<environment>"), {}, exists=False), env, implicit)


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    implicit: Mapping[str, ImplicitProvider] | None = None,
) -> ResolvedConfig:
    """Locate, read, expand, substitute, validate and resolve a Clawdbot config.

    With no file anywhere this still returns a usable config: the ``litellm`` provider from the
    ``LITELLM_*`` environment variables and their defaults.
    """
    env = os.environ if environ is None else environ
    return resolve_document(load_document(config_path(path, env)), env, implicit)
