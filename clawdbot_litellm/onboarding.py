"""Onboarding as a library: the answers of the wizard become an edit of the config file.

The CLI wizard only collects answers; a host program can onboard a user with the same two calls
(``plan`` to preview, ``onboard`` to write). The document written has the shape of the seed page:
the key is always referenced as ``"${LITELLM_API_KEY}"``, and a key the user typed lives in the
config's ``env`` block of a 0600 file, never inline in the provider.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .config.edit import EditResult, edit_config
from .config.load import env_block, expand_document
from .config.locate import config_path
from .config.resolve import (
    DEFAULT_MODEL,
    ENV_API_KEY,
    ENV_MODEL,
    ImplicitProvider,
    normalise_base_url,
)
from .config.schema import DEFAULT_PROVIDER, MIN_CONTEXT_WINDOW
from .config.secrets import display_url, mask_secret
from .discovery import DiscoveredModel
from .errors import ConfigError

DEFAULT_CONTEXT_WINDOW = 128_000
DEFAULT_MAX_TOKENS = 8192
API = "openai-completions"
API_KEY_REFERENCE = "${" + ENV_API_KEY + "}"


def check_base_url(url: str) -> str:
    """The base URL normalised as the config stores it (no trailing ``/`` or ``/v1``).

    Raises ``ConfigError`` for anything that is not an http(s) URL with a host.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"LiteLLM base URL {display_url(url.strip())!r} is not an http(s) URL; "
            "write it like http://localhost:4000"
        )
    return normalise_base_url(DEFAULT_PROVIDER, url)[0]


def default_model(
    discovered: Sequence[DiscoveredModel], environ: Mapping[str, str] | None = None
) -> str | None:
    """The model to offer: ``$LITELLM_MODEL`` (else ``gpt-4``) when the proxy serves it with a
    usable window, else the first served model that is usable; ``None`` when none is.

    Without discovery the preference stands: nothing says it is unusable.
    """
    env = os.environ if environ is None else environ
    preferred = env.get(ENV_MODEL, "").strip() or DEFAULT_MODEL
    if not discovered:
        return preferred
    usable = [model.id for model in discovered if not model.too_small]
    if preferred in usable:
        return preferred
    return usable[0] if usable else None


def too_small_error(model: DiscoveredModel, discovered: Sequence[DiscoveredModel] = ()) -> str:
    """Why a served model cannot be onboarded, and the two ways on (one line)."""
    others = [m.id for m in discovered if not m.too_small and m.id != model.id]
    instead = f" ({', '.join(others)})" if others else ""
    return (
        f"{model.id} cannot be used: the proxy reports {model.too_small_note}; choose another "
        f"model{instead}, or pass --context-window N if the proxy's figure is wrong"
    )


@dataclass(frozen=True)
class OnboardingAnswers:
    """What the wizard asks; ``api_key`` is ``None`` when the key comes from ``LITELLM_API_KEY``.

    ``name`` is the model's display name and alias; ``None`` means the model id (and keeps an
    alias the user already gave this model).
    """

    base_url: str
    model: str
    context_window: int = DEFAULT_CONTEXT_WINDOW
    max_tokens: int = DEFAULT_MAX_TOKENS
    reasoning: bool = False
    image: bool = False
    api_key: str | None = field(default=None, repr=False)
    name: str | None = None

    def __post_init__(self) -> None:
        # Checked here so a host gets the same one-line errors as the wizard, before any write.
        object.__setattr__(self, "base_url", check_base_url(self.base_url))
        model = self.model.strip() if isinstance(self.model, str) else ""
        if not model:
            raise ConfigError("Model id is empty; name a model your LiteLLM proxy serves")
        object.__setattr__(self, "model", model)
        for label, value in (
            ("context window", self.context_window),
            ("max tokens", self.max_tokens),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ConfigError(f"The {label} must be a positive number of tokens, not {value!r}")
        if self.context_window < MIN_CONTEXT_WINDOW:
            raise ConfigError(
                f"The context window of {model} ({self.context_window} tokens) is below the "
                f"{MIN_CONTEXT_WINDOW} tokens Clawdbot accepts; choose a model with a larger window"
            )
        if self.api_key is not None and not self.api_key.strip():
            raise ConfigError(
                "The API key is blank; give the key of your LiteLLM proxy (or leave it out to use "
                f"${ENV_API_KEY})"
            )
        if self.api_key is not None:
            object.__setattr__(self, "api_key", self.api_key.strip())
        object.__setattr__(self, "name", (self.name or "").strip() or None)

    def __repr__(self) -> str:
        key = "from $" + ENV_API_KEY if self.api_key is None else mask_secret(self.api_key)
        return (
            f"OnboardingAnswers(base_url={display_url(self.base_url)!r}, model={self.model!r}, "
            f"context_window={self.context_window}, max_tokens={self.max_tokens}, "
            f"reasoning={self.reasoning}, image={self.image}, api_key={key!r}, "
            f"name={self.name!r})"
        )

    @property
    def ref(self) -> str:
        return f"{DEFAULT_PROVIDER}/{self.model}"

    @property
    def display_name(self) -> str:
        return self.name or self.model

    def definition(self) -> dict[str, Any]:
        """The model entry appended to ``models.providers.litellm.models`` (seed shape)."""
        return {
            "id": self.model,
            "name": self.display_name,
            "reasoning": self.reasoning,
            "input": ["text", "image"] if self.image else ["text"],
            "contextWindow": self.context_window,
            "maxTokens": self.max_tokens,
            # LiteLLM rejects unknown request fields, so `store` must never be sent.
            "compat": {"supportsStore": False},
        }


def _object(parent: dict[str, Any], key: str, path: str) -> dict[str, Any]:
    """``parent[key]`` as an object, created when missing; anything else is the user's to fix."""
    value = parent.get(key)
    if value is None:
        value = parent[key] = {}
    if not isinstance(value, dict):
        raise ConfigError(
            f"{path} is a {type(value).__name__}, but onboarding needs an object there; "
            "fix or remove it and run onboarding again"
        )
    return value


def _alias_taken(entries: Mapping[str, Any], alias: str, ref: str) -> bool:
    for other, entry in entries.items():
        if other == ref or not isinstance(entry, dict):
            continue
        existing = entry.get("alias")
        if isinstance(existing, str) and existing.strip().lower() == alias.lower():
            return True
    return False


def _store_key(env: dict[str, Any], key: str) -> None:
    """Put the key where this file keeps its variables: ``env.vars`` if used, else ``env``."""
    vars_block = env.get("vars")
    if isinstance(vars_block, dict) and (ENV_API_KEY in vars_block or ENV_API_KEY not in env):
        vars_block[ENV_API_KEY] = key
    else:
        env[ENV_API_KEY] = key


def plan(raw: Mapping[str, Any], answers: OnboardingAnswers) -> dict[str, Any]:
    """The raw document after onboarding (pure: ``raw`` is not changed; idempotent).

    Only ``models.providers.litellm``, ``agents.defaults.model(s)`` and, for a typed key,
    ``env`` are touched; other providers, foreign sections and ``${VAR}`` references stay as
    written. An existing model definition with the same id is kept exactly as the user wrote it.
    """
    doc: dict[str, Any] = copy.deepcopy(dict(raw))

    models = _object(doc, "models", "models")
    models.setdefault("mode", "merge")
    providers = _object(models, "providers", "models.providers")
    provider = _object(providers, DEFAULT_PROVIDER, f"models.providers.{DEFAULT_PROVIDER}")
    provider["baseUrl"] = answers.base_url
    provider["apiKey"] = API_KEY_REFERENCE
    provider["api"] = API
    definitions = provider.get("models")
    if definitions is None:
        definitions = provider["models"] = []
    if not isinstance(definitions, list):
        raise ConfigError(
            f"models.providers.{DEFAULT_PROVIDER}.models is a {type(definitions).__name__}, but it "
            "must be a list of model definitions; fix it and run onboarding again"
        )
    known = {entry.get("id") for entry in definitions if isinstance(entry, dict)}
    if answers.model not in known:
        definitions.append(answers.definition())

    agents = _object(doc, "agents", "agents")
    defaults = _object(agents, "defaults", "agents.defaults")
    entries = _object(defaults, "models", "agents.defaults.models")
    entry = _object(entries, answers.ref, f"agents.defaults.models[{answers.ref}]")
    alias = answers.display_name
    keep = answers.name is None and isinstance(entry.get("alias"), str) and entry["alias"].strip()
    # An alias must be unique and free of "/" (it would read as a ref); otherwise leave it out.
    if not keep and "/" not in alias and not _alias_taken(entries, alias, answers.ref):
        entry["alias"] = alias
    choice = defaults.get("model")
    if isinstance(choice, str):  # Clawdbot's shorthand for {primary: "..."}
        choice = defaults["model"] = {"primary": choice}
    choice = _object(defaults, "model", "agents.defaults.model")
    choice["primary"] = answers.ref

    if answers.api_key is not None:
        _store_key(_object(doc, "env", "env"), answers.api_key)
    return doc


def onboard(
    answers: OnboardingAnswers,
    *,
    config: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    implicit: Mapping[str, ImplicitProvider] | None = None,
) -> EditResult:
    """Apply ``plan`` to the config file (locked, validated, atomic, mode 0600, with backups).

    Refuses (``ConfigError``) to write a config whose key cannot resolve: no key typed, none in
    ``LITELLM_API_KEY`` and none in the file's ``env`` block. ``implicit`` is what
    ``load_config(implicit=)`` takes (the CLI passes the installed plugins' providers), so the
    edit is validated with the providers the config is used with.
    """
    env = os.environ if environ is None else environ
    path: Path = config_path(config, env)

    def mutate(raw: dict[str, Any]) -> dict[str, Any]:
        if answers.api_key is None and not (
            env.get(ENV_API_KEY, "").strip()
            or env_block(expand_document(path, raw).merged).get(ENV_API_KEY, "").strip()
        ):
            raise ConfigError(
                f"No LiteLLM API key: {ENV_API_KEY} is not set and {path} has none in its env "
                f"block; export {ENV_API_KEY} or pass the key (--litellm-api-key)"
            )
        return plan(raw, answers)

    result = edit_config(path, mutate, environ=environ, implicit=implicit)
    if answers.api_key is not None and not result.changed:
        # The key was already stored; still make sure the file holding it is private.
        target = Path(os.path.realpath(result.path))
        if target.exists() and target.stat().st_mode & 0o077:
            os.chmod(target, 0o600)
    return result


__all__ = [
    "API_KEY_REFERENCE",
    "DEFAULT_CONTEXT_WINDOW",
    "DEFAULT_MAX_TOKENS",
    "OnboardingAnswers",
    "check_base_url",
    "default_model",
    "onboard",
    "plan",
    "too_small_error",
]
