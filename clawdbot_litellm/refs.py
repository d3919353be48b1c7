"""Model refs (``provider/modelId``), aliases, and the primary-plus-fallbacks chain.

Pure functions over the resolved providers: no I/O, so hosts and the CLI can check a ref before
sending anything.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import overload

from .config.schema import DEFAULT_PROVIDER, ModelDefinition, Provider
from .errors import ClawdbotLiteLLMError, InvalidModelRefError, UnknownModelError


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


def _unknown(text: str, providers: Mapping[str, Provider], aliases: Iterable[str]) -> Exception:
    refs = configured_refs(providers)
    pool = refs + [a for a in aliases if a]
    lowered = {candidate.lower(): candidate for candidate in pool}
    close = difflib.get_close_matches(text.lower(), list(lowered), n=3, cutoff=0.5)
    return UnknownModelError(text, refs, [lowered[c] for c in close])


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

    The first must resolve (its error is raised); a fallback that resolves to nothing is left
    out with a note, so a misspelt fallback cannot take the primary model down.
    """
    first = requested or primary
    if not first:
        raise InvalidModelRefError(
            "No model chosen: pass one (-m litellm/<model>) or set agents.defaults.model.primary"
        )
    chain: list[ModelTarget] = []
    notes: list[str] = []
    seen: set[ModelRef] = set()
    for index, text in enumerate((first, *fallbacks)):
        try:
            target = resolve_ref(text, providers, aliases)
        except ClawdbotLiteLLMError as error:
            if index == 0:
                raise
            notes.append(skipped_fallback(text, error))
            continue
        if target.ref not in seen:
            seen.add(target.ref)
            chain.append(target)
    return CandidateChain(tuple(chain), tuple(notes))
