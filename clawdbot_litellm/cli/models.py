"""``clawdbot-litellm models list | sync``: what is configured, what the proxy serves, and
bringing the two together so nobody copies numbers from the proxy's config by hand.

``models list`` without ``--remote`` sends nothing and must not import ``openai``;
``discover_models`` imports it only when called.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from ..config.edit import edit_config
from ..config.load import load_document
from ..config.locate import config_path
from ..config.resolve import (
    ConfigWarning,
    ResolvedConfig,
    load_config,
    normalise_base_url,
    resolve_document,
)
from ..config.schema import DEFAULT_PROVIDER, Provider
from ..config.secrets import display_url
from ..discovery import DiscoveredModel, discover_models
from ..errors import ClawdbotLiteLLMError, InvalidModelRefError
from ..plugin_index import installed_implicit_providers
from ..refs import parse_ref
from ..sync import SyncReport, configured_definitions, sync_document
from .output import echo_json, echo_warnings, fail, warnings_as_lines
from .spinner import spinner

# --- shared --------------------------------------------------------------------------------------


def _load(ctx: click.Context, *, secrets: bool = True) -> ResolvedConfig:
    """The config; ``secrets=False`` tolerates unset ``${VAR}``s (listing needs no key)."""
    explicit = (ctx.obj or {}).get("config")
    implicit = installed_implicit_providers()
    with warnings_as_lines(ConfigWarning):
        if secrets:
            return load_config(explicit, implicit=implicit)
        document = load_document(config_path(explicit))
        return resolve_document(document, implicit=implicit, keep_missing_vars=True)


def is_litellm(name: str) -> bool:
    """Providers that are LiteLLM proxies: ``litellm`` and names like ``litellm-prod``."""
    return name == DEFAULT_PROVIDER or name.startswith(
        (f"{DEFAULT_PROVIDER}-", f"{DEFAULT_PROVIDER}_")
    )


def discover_for(provider: Provider) -> list[DiscoveredModel]:
    """The models ``provider``'s proxy serves (raises ``ProxyError`` subclasses)."""
    base_url = normalise_base_url(DEFAULT_PROVIDER, provider.base_url)[0]
    with spinner(f"Asking {display_url(base_url)} ({provider.name}) for its models"):
        return list(discover_models(base_url, provider.api_key))


# --- models list ---------------------------------------------------------------------------------


def _canonical(ref: str) -> str | None:
    try:
        return str(parse_ref(ref))
    except InvalidModelRefError:
        return None


def _roles(resolved: ResolvedConfig) -> dict[str, str]:
    """``{ref: "primary" | "fallback"}`` for the refs that resolve."""
    roles: dict[str, str] = {}
    for role, texts in (("primary", [resolved.primary]), ("fallback", list(resolved.fallbacks))):
        for text in texts:
            if not text:
                continue
            try:
                ref = str(resolved.resolve(text).ref)
            except ClawdbotLiteLLMError:
                continue
            roles.setdefault(ref, role)
    return roles


def configured_rows(resolved: ResolvedConfig) -> list[dict[str, Any]]:
    """One row per configured model, in the JSON shape documented on ``models list``."""
    aliases = {
        canonical: entry.alias
        for ref, entry in resolved.config.agents.defaults.models.items()
        if (canonical := _canonical(ref)) is not None and entry.alias
    }
    roles = _roles(resolved)
    rows = []
    for name, provider in resolved.providers.items():
        for model in provider.models:
            ref = f"{name}/{model.id}"
            rows.append(
                {
                    "ref": ref,
                    "provider": name,
                    "id": model.id,
                    "name": model.name,
                    "alias": aliases.get(ref),
                    "contextWindow": model.context_window,
                    "maxTokens": model.output_limit,
                    "reasoning": model.reasoning,
                    "input": list(model.input),
                    "role": roles.get(ref),
                    "served": None,
                }
            )
    return rows


def remote_sections(resolved: ResolvedConfig, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Discovery for every LiteLLM provider; marks ``rows[*].served`` in place."""
    sections = []
    for name, provider in resolved.providers.items():
        if not is_litellm(name):
            continue
        section: dict[str, Any] = {
            "provider": name,
            "baseUrl": display_url(provider.base_url),
            "error": None,
        }
        try:
            served = discover_for(provider)
        except ClawdbotLiteLLMError as error:
            section["error"] = str(error)
            section["models"] = []
            sections.append(section)
            continue
        served_ids = {m.id for m in served}
        configured = {m.id for m in provider.models}
        for row in rows:
            if row["provider"] == name:
                row["served"] = row["id"] in served_ids
        section["models"] = [
            {
                "id": m.id,
                "contextWindow": m.context_window,
                "maxTokens": m.max_tokens,
                "reasoning": m.reasoning,
                "vision": m.vision,
                "configured": m.id in configured,
            }
            for m in served
        ]
        sections.append(section)
    return sections


def _yes_no(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


def _print_list(
    resolved: ResolvedConfig, rows: list[dict[str, Any]], remote: list[dict[str, Any]] | None
) -> None:
    where = resolved.path if resolved.document.exists else f"{resolved.path} (not found)"
    click.echo(f"Config: {where}")
    if not rows:
        click.echo("No models configured. Run `clawdbot-litellm onboard` to add one.")
    else:
        header = ["REF", "NAME", "ALIAS", "CONTEXT", "MAX OUT", "REASONING", "INPUT", "ROLE"]
        if remote is not None:
            header.append("PROXY")
        table = [header]
        for row in rows:
            cells = [
                row["ref"],
                row["name"],
                row["alias"] or "-",
                str(row["contextWindow"]),
                str(row["maxTokens"]),
                _yes_no(row["reasoning"]),
                "+".join(row["input"]),
                row["role"] or "-",
            ]
            if remote is not None:
                served = row["served"]
                cells.append("?" if served is None else ("served" if served else "NOT SERVED"))
            table.append(cells)
        for line in _table(table):
            click.echo(line)
    for section in remote or []:
        if section["error"]:
            click.echo(f"{section['provider']}: could not list models: {section['error']}")
            continue
        extra = [m for m in section["models"] if not m["configured"]]
        if not extra:
            click.echo(f"{section['provider']}: every model the proxy serves is configured.")
            continue
        click.echo(
            f"{section['provider']}: served by the proxy but not configured "
            "(add them with `clawdbot-litellm models sync --add-all`):"
        )
        for model in extra:
            details = [
                f"context {model['contextWindow']}" if model["contextWindow"] else "",
                f"max out {model['maxTokens']}" if model["maxTokens"] else "",
                "reasoning" if model["reasoning"] else "",
                "images" if model["vision"] else "",
            ]
            text = ", ".join(d for d in details if d)
            click.echo(f"  {section['provider']}/{model['id']}" + (f"  ({text})" if text else ""))


@click.group("models")
def models() -> None:
    """List the configured models and sync them with what the proxy serves."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (shape above) for scripts.")
@click.option("--remote", is_flag=True, help="Also ask each LiteLLM proxy which models it serves.")
@click.pass_context
def list_models(ctx: click.Context, as_json: bool, remote: bool) -> None:
    """Show the configured models; with --remote, side by side with the proxy's.

    \b
    JSON shape (--json), stable:
    {
      "config": "/path/clawdbot.json",
      "primary": "litellm/gpt-4" | null,       (as configured: a ref or an alias)
      "fallbacks": ["litellm/claude-3-opus", ...],
      "models": [{"ref", "provider", "id", "name", "alias" (str|null),
                  "contextWindow", "maxTokens", "reasoning", "input": ["text", "image"],
                  "role": "primary"|"fallback"|null,
                  "served": true|false|null (null without --remote or when unknown)}],
      "remote": null without --remote, else one entry per LiteLLM provider
                (named litellm, litellm-* or litellm_*):
                [{"provider", "baseUrl", "error": str|null,
                  "models": [{"id", "contextWindow", "maxTokens", "reasoning", "vision",
                              "configured": bool}]}]
    }
    """
    resolved = _load(ctx, secrets=remote)
    rows = configured_rows(resolved)
    sections = remote_sections(resolved, rows) if remote else None
    if as_json:
        echo_json(
            {
                "config": str(resolved.path),
                "primary": resolved.primary,
                "fallbacks": list(resolved.fallbacks),
                "models": rows,
                "remote": sections,
            }
        )
        return
    _print_list(resolved, rows, sections)


# --- models sync ---------------------------------------------------------------------------------


@models.command("sync")
@click.option("--add-all", is_flag=True, help="Also add every model the proxy serves.")
@click.option("--dry-run", is_flag=True, help="Show the changes; write nothing.")
@click.option(
    "--provider",
    "provider_name",
    default=DEFAULT_PROVIDER,
    show_default=True,
    help="Which configured LiteLLM provider to sync.",
)
@click.pass_context
def sync_models(ctx: click.Context, add_all: bool, dry_run: bool, provider_name: str) -> None:
    """Update model definitions from the proxy's /model/info.

    contextWindow from max_input_tokens, maxTokens from max_output_tokens (or max_tokens),
    reasoning from supports_reasoning, the image input from supports_vision. Prints the changes
    (~ changed, + added, ! configured but not served); keeps ${VAR} references as written.
    """
    resolved = _load(ctx)
    provider = resolved.providers.get(provider_name.strip().lower())
    if provider is None:
        fail(
            f"No provider {provider_name!r} is configured (configured: "
            f"{', '.join(resolved.providers) or 'none'}); pass --provider NAME"
        )
        return
    path, raw = resolved.path, resolved.document.raw
    configured_definitions(raw, provider.name)  # fail before any network call
    served = discover_for(provider)
    if dry_run:
        _, report = sync_document(raw, provider, served, add_all=add_all)
    else:
        reports: list[SyncReport] = []

        def mutate(current: dict[str, Any]) -> dict[str, Any]:
            doc, found = sync_document(current, provider, served, add_all=add_all)
            reports.append(found)
            return doc if not found.empty else current

        first = sync_document(raw, provider, served, add_all=add_all)[1]
        notes: tuple[str, ...] = ()
        if not first.empty:
            # Like every other writer: dropped comments and the edit's new config warnings
            # (a small context window from the proxy, say) as Warning: lines.
            with warnings_as_lines(ConfigWarning):
                notes = edit_config(path, mutate).notes
        report = reports[-1] if reports else first
    for line in report.lines():
        click.echo(line)
    if report.empty:
        click.echo(f"{provider.name}: already in sync with the proxy; nothing written.")
    elif dry_run:
        click.echo("Dry run: nothing written.")
    else:
        click.echo(f"Wrote {path}.")
        echo_warnings(notes)
