"""Model refs (``provider/modelId``), aliases, and the primary-plus-fallbacks chain.

Pure functions over the resolved providers: no I/O, so hosts and the CLI can check a ref before
sending anything.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import overload

from .builtin_providers import is_builtin, normalize_provider_id
from .config.schema import DEFAULT_PROVIDER, MIN_CONTEXT_WINDOW, ModelDefinition, Provider
from .errors import (
    ClawdbotLiteLLMError,
    InvalidModelRefError,
    UnknownModelError,
    UnsupportedAPIError,
)

SEND_API = "openai-completions"  # the one API this package sends


@dataclass(frozen=True, order=True)
class ModelRef:
    """``provider/model``: the provider lower-cased, the model id exactly as written."""

    provider: str
    model: str

    def __str__(self) -> str:
        return f"{self.provider}/{self.model}"


def parse_ref(text: str) -> ModelRef:
    """Split at the first ``/`` (``litellm/openai/gpt-4o`` is model ``openai/gpt-4o``).

    The provider is normalised as Clawdbot does (``normalizeProviderId``): trimmed, lower-cased,
    and ``z.ai``/``z-ai``, ``opencode-zen``, ``qwen`` folded to ``zai``, ``opencode``,
    ``qwen-portal``."""
    if not isinstance(text, str) or "/" not in text:
        raise InvalidModelRefError(
            f"Invalid model ref {text!r}: write it as provider/model, e.g. litellm/gpt-4"
        )
    provider, _, model = text.partition("/")
    provider, model = normalize_provider_id(provider), model.strip()
    if not provider or not model:
        raise InvalidModelRefError(
            f"Invalid model ref {text!r}: both the provider and the model id must be non-empty "
            "(provider/model, e.g. litellm/gpt-4)"
        )
    return ModelRef(provider, model)


@dataclass(frozen=True)
class ModelTarget:
    """A ref resolved to its provider and model definition: everything needed to send."""

    ref: ModelRef
    provider: Provider
    model: ModelDefinition

    @functools.cached_property
    def ref_text(self) -> str:
        """``str(ref)``, made once: every answer carries it."""
        return str(self.ref)


def alias_table(entries: Mapping[str, str | None]) -> dict[str, str]:
    """``{alias.lower(): ref}`` from ``agents.defaults.models``, as Clawdbot's
    ``buildModelAliasIndex``: aliases trimmed and compared without case, and when two entries
    claim the same alias the LAST one wins (``check`` warns about such clashes)."""
    table: dict[str, str] = {}
    for ref, alias in entries.items():
        if alias and alias.strip():
            table[alias.strip().lower()] = ref
    return table


def configured_refs(providers: Mapping[str, Provider]) -> list[str]:
    return [f"{name}/{m.id}" for name, p in providers.items() for m in p.models]


def sendable_providers(providers: Mapping[str, Provider]) -> list[str]:
    """The configured providers this package can send to (``api: openai-completions``)."""
    return [name for name, p in providers.items() if p.api == SEND_API]


def target_api(target: ModelTarget) -> str:
    """The API a request to ``target`` would speak (the model's own ``api`` wins)."""
    return target.model.api or target.provider.api


def _sends_only(providers: Mapping[str, Provider]) -> str:
    names = sendable_providers(providers)
    listed = ", ".join(names) if names else "none"
    return f"this package sends only to {SEND_API} providers (configured: {listed})"


def served_by_clawdbot_error(ref: ModelRef, providers: Mapping[str, Provider]) -> Exception:
    """``ref`` names a provider Clawdbot serves itself (``anthropic``, ``openai``, ...)."""
    return UnsupportedAPIError(
        f"{ref} is served by Clawdbot itself (built-in provider {ref.provider!r}), not by this "
        f"package: {_sends_only(providers)}. Use Clawdbot for this model, or name one of those "
        "providers' models"
    )


def other_api_error(target: ModelTarget, providers: Mapping[str, Provider]) -> Exception:
    """``target``'s provider (or model) speaks an API other than ``openai-completions``."""
    return UnsupportedAPIError(
        f"{target.ref} uses api {target_api(target)!r} (models.providers.{target.ref.provider}"
        f".api); {_sends_only(providers)}. Use Clawdbot for this model, or set "
        f'api: "{SEND_API}" if the server is OpenAI-compatible'
    )


def _provider_named(name: str, providers: Mapping[str, Provider]) -> Provider | None:
    """The provider configured under ``name``, compared as Clawdbot compares provider ids."""
    found = providers.get(name)
    if found is not None:
        return found
    return next((p for key, p in providers.items() if normalize_provider_id(key) == name), None)


def _squash(text: str) -> str:
    """A name without case or separators: ``Claude_3 Opus`` and ``claude-3-opus`` are one."""
    return re.sub(r"[\s._/:-]+", "", text.lower())


SUGGESTION_CUTOFF = 0.75  # similarity below this is "nothing alike": no suggestion


def suggest_refs(
    text: str, providers: Mapping[str, Provider], aliases: Mapping[str, str], limit: int = 3
) -> list[str]:
    """Configured refs whose model id, alias or whole ref is close to ``text``, each model once,
    in ref form: names that differ only in case or separators first, then near spellings."""
    wanted = text.strip()
    _, slash, model_part = wanted.partition("/")
    query = model_part if slash else wanted
    names: dict[str, list[str]] = {
        ref: [ref, ref.partition("/")[2]] for ref in configured_refs(providers)
    }
    for alias, target in aliases.items():
        try:
            ref = str(parse_ref(target))
        except InvalidModelRefError:
            continue
        if ref in names:
            names[ref].append(alias)
    scored: list[tuple[int, float, int, str]] = []
    for order, (ref, candidates) in enumerate(names.items()):
        best: tuple[int, float] = (0, 0.0)
        for name in candidates:
            if _squash(name) in (_squash(wanted), _squash(query)):
                best = (2, 1.0)  # the same name but for case or separators
                break
            if name == ref:
                continue  # a shared "litellm/" says nothing about the model: compare ids only
            ratio = difflib.SequenceMatcher(None, _squash(query), _squash(name)).ratio()
            if ratio >= SUGGESTION_CUTOFF:
                best = max(best, (1, ratio))
        if best[0]:
            scored.append((-best[0], -best[1], order, ref))
    return [ref for *_, ref in sorted(scored)[:limit]]


def is_litellm_provider(name: str) -> bool:
    """Providers that are LiteLLM proxies: ``litellm`` and names like ``litellm-prod``."""
    return name == DEFAULT_PROVIDER or name.startswith(
        (f"{DEFAULT_PROVIDER}-", f"{DEFAULT_PROVIDER}_")
    )


def unknown_model_advice(text: str, providers: Mapping[str, Provider]) -> str:
    """How to add the model ``text`` names, for the provider it names (a bare id: ``litellm``).

    ``models sync --add-all`` is offered only where it can add the model: a LiteLLM provider
    written in the config that speaks ``openai-completions``, and only if its proxy serves the
    model with a window Clawdbot accepts (sync skips smaller ones). For a plugin's provider,
    the environment's ``litellm`` or any other, the definition has to be written by hand.
    """
    if "/" in text:
        name: str | None = normalize_provider_id(text.partition("/")[0])
    else:
        name = DEFAULT_PROVIDER if DEFAULT_PROVIDER in providers else None
    provider = _provider_named(name, providers) if name else None
    where = f"models.providers.{provider.name if provider else name or '<provider>'}.models"
    if (
        provider is None
        or not provider.declared
        or provider.api != SEND_API
        or not is_litellm_provider(provider.name)
    ):
        return f"Add the model to {where}."
    command = "clawdbot-litellm models sync --add-all"
    if provider.name != DEFAULT_PROVIDER:
        command += f" --provider {provider.name}"
    return (
        f"Add the model to {where}, or run `{command}` if the proxy serves it with a context "
        f"window of at least {MIN_CONTEXT_WINDOW} tokens."
    )


def _unknown(text: str, providers: Mapping[str, Provider], aliases: Mapping[str, str]) -> Exception:
    return UnknownModelError(
        text,
        configured_refs(providers),
        suggest_refs(text, providers, aliases),
        unknown_model_advice(text, providers),
    )


def resolve_ref(
    text: str,
    providers: Mapping[str, Provider],
    aliases: Mapping[str, str],
) -> ModelTarget:
    """A ref, an alias (case-insensitive, no ``/``), or a bare model id, to its target."""
    text = text.strip() if isinstance(text, str) else text
    if not isinstance(text, str) or not text:
        raise InvalidModelRefError("Empty model ref: name a model as provider/model or an alias")
    if "/" not in text:
        aliased = aliases.get(text.lower())
        if aliased is not None:
            return resolve_ref(aliased, providers, {})
        # A bare id: the litellm provider first, else the one provider that has it.
        owners = [name for name, p in providers.items() if p.model(text) is not None]
        if DEFAULT_PROVIDER in owners:
            owners = [DEFAULT_PROVIDER]
        if len(owners) == 1:
            return resolve_ref(f"{owners[0]}/{text}", providers, {})
        if owners:
            choices = ", ".join(f"{owner}/{text}" for owner in owners)
            raise InvalidModelRefError(
                f"Ambiguous model {text!r}: served by {choices}; name one of them as provider/model"
            )
        raise _unknown(text, providers, aliases)
    ref = parse_ref(text)
    provider = _provider_named(ref.provider, providers)
    model = provider.model(ref.model) if provider is not None else None
    if provider is None or model is None:
        if is_builtin(ref.provider):
            # Clawdbot serves it from its own catalogue (also next to a configured entry of
            # the same name, under models.mode "merge").
            raise served_by_clawdbot_error(ref, providers)
        raise _unknown(str(ref), providers, aliases)
    return ModelTarget(ModelRef(provider.name, ref.model), provider, model)


@dataclass(frozen=True)
class CandidateChain(Sequence[ModelTarget]):
    """The targets to try, in order, and one note for each fallback left out of them.

    A sequence of its targets (``chain[0]`` is the requested or primary model). ``notes`` is the
    one place that says what was skipped and why; ``ResolvedConfig.candidates`` emits each as a
    ``ConfigWarning``.
    """

    targets: tuple[ModelTarget, ...]
    notes: tuple[str, ...] = ()

    @overload
    def __getitem__(self, index: int) -> ModelTarget: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[ModelTarget]: ...
    def __getitem__(self, index: int | slice) -> ModelTarget | Sequence[ModelTarget]:
        return self.targets[index]

    def __len__(self) -> int:
        return len(self.targets)

    def __iter__(self) -> Iterator[ModelTarget]:
        return iter(self.targets)


def skipped_fallback(text: str, error: ClawdbotLiteLLMError) -> str:
    """The note for a fallback that resolves to nothing: it names the ref and the fix."""
    reason = str(error).split(" Configured models:")[0].removesuffix(".")
    return (
        f"fallback {text!r} skipped: {reason}; the other candidates are still tried "
        "(fix or remove it in agents.defaults.model.fallbacks)"
    )


def candidate_chain(
    requested: str | None,
    primary: str | None,
    fallbacks: Iterable[str],
    providers: Mapping[str, Provider],
    aliases: Mapping[str, str],
) -> CandidateChain:
    """The requested (or primary) model followed by the fallbacks, each once, in order.

    The one place that decides what is skipped, each with a note: a fallback that resolves to
    nothing (a misspelt fallback cannot take the primary model down), and a primary model or
    fallback this package cannot send to (a provider Clawdbot serves itself, or another API).
    A model asked for by name must resolve and be sendable; a primary model must resolve. When
    nothing sendable is left, the first "cannot send" error is raised.
    """
    first = requested or primary
    if not first:
        raise InvalidModelRefError(
            "No model chosen: pass one (-m litellm/<model>) or set agents.defaults.model.primary"
        )
    chain: list[ModelTarget] = []
    notes: list[str] = []
    unsendable: list[UnsupportedAPIError] = []
    seen: set[str] = set()
    for index, text in enumerate((first, *fallbacks)):
        try:
            target = resolve_ref(text, providers, aliases)
            if target_api(target) != SEND_API:
                raise other_api_error(target, providers)
        except UnsupportedAPIError as error:
            if index == 0 and requested:
                raise
            if text not in seen:
                seen.add(text)
                unsendable.append(error)
                role = "primary model" if index == 0 else "fallback"
                notes.append(f"skipped {role} {text}: {error}")
            continue
        except ClawdbotLiteLLMError as error:
            if index == 0:
                raise
            notes.append(skipped_fallback(text, error))
            continue
        if str(target.ref) not in seen:
            seen.add(str(target.ref))
            chain.append(target)
    if not chain and unsendable:
        raise unsendable[0]
    return CandidateChain(tuple(chain), tuple(notes))
