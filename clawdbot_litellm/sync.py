"""Bringing configured model definitions in line with what the proxy reports (``models sync``).

Pure: it edits a raw document (``${VAR}`` references and unknown keys stay as written) and reports
what changed, so a host can sync without the command line, and a dry run shows exactly the edit.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .config.schema import Provider
from .discovery import DiscoveredModel, apply_discovery
from .errors import ConfigError


@dataclass
class SyncReport:
    """What a sync changed, for the diff a person reads."""

    provider: str
    changes: list[tuple[str, str, Any, Any]] = field(default_factory=list)  # ref, key, old, new
    added: list[dict[str, Any]] = field(default_factory=list)
    not_served: list[str] = field(default_factory=list)
    not_configured: list[str] = field(default_factory=list)
    # Served models the proxy says are too small for Clawdbot: (id, note, configured already).
    skipped: list[tuple[str, str, bool]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changes and not self.added

    def lines(self) -> list[str]:
        out = []
        for ref, key, old, new in self.changes:
            before = "(unset)" if old is None else json.dumps(old)
            out.append(f"~ {ref}: {key} {before} -> {json.dumps(new)}")
        for definition in self.added:
            shown = {k: v for k, v in definition.items() if k not in ("id", "name", "compat")}
            out.append(
                f"+ {self.provider}/{definition['id']}: "
                + ", ".join(f"{k} {json.dumps(v)}" for k, v in shown.items())
            )
        for model_id, note, configured in self.skipped:
            kept = "; its definition is kept as written" if configured else ""
            out.append(f"- {self.provider}/{model_id}: skipped, {note}{kept}")
        out.extend(
            f"! {self.provider}/{i}: configured, but the proxy does not serve it"
            for i in self.not_served
        )
        if self.not_configured:
            out.append(
                f"served but not configured (add them with --add-all): "
                f"{', '.join(self.not_configured)}"
            )
        return out


def provider_definitions(raw: Mapping[str, Any], provider: str) -> list[Any] | None:
    """``models.providers.<provider>.models`` as the file itself writes it, or None if absent."""
    section = raw.get("models")
    providers = section.get("providers") if isinstance(section, dict) else None
    entry = providers.get(provider) if isinstance(providers, dict) else None
    definitions = entry.get("models") if isinstance(entry, dict) else None
    return definitions if isinstance(definitions, list) else None


def configured_ids(raw: Mapping[str, Any], provider: str) -> set[str]:
    """The model ids the file itself defines for ``provider`` (none when it defines none)."""
    definitions = provider_definitions(raw, provider) or []
    return {str(entry.get("id")) for entry in definitions if isinstance(entry, dict)}


def configured_definitions(raw: Mapping[str, Any], provider: str) -> list[Any]:
    """The list sync edits; a clear error when the file does not define it itself."""
    definitions = provider_definitions(raw, provider)
    if definitions is None:
        raise ConfigError(
            f"models.providers.{provider}.models is not in the config file itself; run "
            "`clawdbot-litellm onboard` first (or run sync on the file that defines it with "
            "--config)"
        )
    return definitions


def sync_document(
    raw: Mapping[str, Any],
    provider: Provider,
    served: Sequence[DiscoveredModel],
    *,
    add_all: bool = False,
) -> tuple[dict[str, Any], SyncReport]:
    """The raw document with ``provider``'s model definitions updated from discovery (pure).

    Only what the proxy reports changes (``contextWindow``, ``maxTokens``, ``reasoning``, the
    ``image`` input; see ``discovery.apply_discovery``); everything else, including ``${VAR}``
    references, stays as written. A model whose reported context window is below Clawdbot's
    minimum is skipped (``report.skipped``): writing it would make the whole file invalid.
    """
    doc: dict[str, Any] = copy.deepcopy(dict(raw))
    report = SyncReport(provider.name)
    definitions = configured_definitions(doc, provider.name)
    by_id = {m.id: m for m in served}
    configured: set[str] = set()
    for definition in definitions:
        if not isinstance(definition, dict) or not isinstance(definition.get("id"), str):
            continue
        model_id = definition["id"]
        configured.add(model_id)
        found = by_id.get(model_id)
        if found is None:
            report.not_served.append(model_id)
            continue
        current = provider.model(model_id)
        if current is None:
            continue
        if found.too_small:
            report.skipped.append((model_id, found.too_small_note, True))
            continue
        for key, value in apply_discovery(current, found).items():
            report.changes.append((f"{provider.name}/{model_id}", key, definition.get(key), value))
            definition[key] = value
    for model in served:
        if model.id in configured:
            continue
        if model.too_small:
            report.skipped.append((model.id, model.too_small_note, False))
            configured.add(model.id)
            continue
        if not add_all:
            report.not_configured.append(model.id)
            continue
        new = model.definition()
        compat = new.setdefault("compat", {})
        if isinstance(compat, dict):
            compat.setdefault("supportsStore", False)  # LiteLLM rejects `store`
        definitions.append(new)
        report.added.append(new)
        configured.add(model.id)
    return doc, report


__all__ = [
    "SyncReport",
    "configured_definitions",
    "configured_ids",
    "provider_definitions",
    "sync_document",
]
