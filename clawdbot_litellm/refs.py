"""Model refs (``provider/modelId``), aliases, and the primary-plus-fallbacks chain.

Pure functions over the resolved providers: no I/O, so hosts and the CLI can check a ref before
sending anything.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .config.schema import DEFAULT_PROVIDER, ModelDefinition, Provider
from .errors import InvalidModelRefError, UnknownModelError


@dataclass(frozen=True, order=True)
class ModelRef:
    """``provider/model``: the provider lower-cased, the model id exactly as written."""

    provider: str
    model: str

    def __str__(self) -> str:
        return f"{self.provider}/{self.model}"


def parse_ref(text: str) -> ModelRef:
    """Split at the first ``/`` (``litellm/openai/gpt-4o`` is model ``openai/gpt-4o``)."""
    if not isinstance(text, str) or "/" not in text:
        raise InvalidModelRefError(
            f"Invalid model ref {text!r}: write it as provider/model, e.g. litellm/gpt-4"
        )
    provider, _, model = text.partition("/")
    provider, model = provider.strip().lower(), model.strip()
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


def alias_table(entries: Mapping[str, str | None]) -> dict[str, str]:
    """``{alias.lower(): ref}`` from ``agents.defaults.models``; clashes are found by ``check``."""
    table: dict[str, str] = {}
    for ref, alias in entries.items():
        if alias and alias.strip():
            table.setdefault(alias.strip().lower(), ref)
    return table


def configured_refs(providers: Mapping[str, Provider]) -> list[str]:
    return [f"{name}/{m.id}" for name, p in providers.items() for m in p.models]


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


def _unknown(text: str, providers: Mapping[str, Provider], aliases: Mapping[str, str]) -> Exception:
    return UnknownModelError(
        text, configured_refs(providers), suggest_refs(text, providers, aliases)
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
    provider = providers.get(ref.provider)
    model = provider.model(ref.model) if provider is not None else None
    if provider is None or model is None:
        raise _unknown(str(ref), providers, aliases)
    return ModelTarget(ref, provider, model)


def candidate_chain(
    requested: str | None,
    primary: str | None,
    fallbacks: Iterable[str],
    providers: Mapping[str, Provider],
    aliases: Mapping[str, str],
) -> list[ModelTarget]:
    """The requested (or primary) model followed by the fallbacks, each once, in order."""
    first = requested or primary
    if not first:
        raise InvalidModelRefError(
            "No model chosen: pass one (-m litellm/<model>) or set agents.defaults.model.primary"
        )
    chain: list[ModelTarget] = []
    seen: set[ModelRef] = set()
    for text in (first, *fallbacks):
        target = resolve_ref(text, providers, aliases)
        if target.ref not in seen:
            seen.add(target.ref)
            chain.append(target)
    return chain
