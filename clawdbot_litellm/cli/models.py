"""``clawdbot-litellm models list | sync``: what is configured, what the proxy serves, and
bringing the two together so nobody copies numbers from the proxy's config by hand.

``models list`` without ``--remote`` sends nothing and must not import ``openai``;
``discover_models`` imports it only when called.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import click

from ..builtin_providers import is_builtin
from ..config.edit import edit_config, set_config_value
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
from ..errors import ClawdbotLiteLLMError, InvalidModelRefError, UnsupportedAPIError
from ..plugin_index import installed_implicit_providers
from ..refs import SEND_API, is_litellm_provider, parse_ref
from ..sync import SyncReport, configured_definitions, sync_document
from .output import echo_json, echo_warnings, fail, provider_option, warnings_as_lines
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


def discover_for(provider: Provider) -> list[DiscoveredModel]:
    """The models ``provider``'s proxy serves (raises ``ProxyError`` subclasses)."""
    base_url = normalise_base_url(DEFAULT_PROVIDER, provider.base_url)[0]
    with spinner(f"Asking {display_url(base_url)} ({provider.name}) for its models"):
        return list(discover_models(base_url, provider.api_key, headers=provider.headers))


# --- models list ---------------------------------------------------------------------------------


def _canonical(ref: str) -> str | None:
    try:
        return str(parse_ref(ref))
    except InvalidModelRefError:
        return None


def _ref_of(resolved: ResolvedConfig, text: str) -> str | None:
    """The ref a primary/fallback text names, also for providers Clawdbot serves itself."""
    try:
        return str(resolved.resolve(text).ref)
    except UnsupportedAPIError:
        named = text if "/" in text else resolved.aliases.get(text.strip().lower(), "")
        return _canonical(named)
    except ClawdbotLiteLLMError:
        return None


def _roles(resolved: ResolvedConfig) -> dict[str, str]:
    """``{ref: "primary" | "fallback"}`` for the refs that resolve."""
    roles: dict[str, str] = {}
    for role, texts in (("primary", [resolved.primary]), ("fallback", list(resolved.fallbacks))):
        for text in texts:
            if not text:
                continue
            ref = _ref_of(resolved, text)
            if ref is not None:
                roles.setdefault(ref, role)
    return roles


SENT_BY_US = "clawdbot-litellm"
SENT_BY_CLAWDBOT = "clawdbot"


def _builtin_rows(
    resolved: ResolvedConfig, aliases: Mapping[str, str], roles: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Refs in the config to providers Clawdbot serves itself (no ``models.providers`` entry)."""
    refs = [r for r in roles if r not in resolved.refs()]
    refs += [c for r in resolved.config.agents.defaults.models if (c := _canonical(r))]
    rows: list[dict[str, Any]] = []
    for ref in dict.fromkeys(refs):
        provider, _, model_id = ref.partition("/")
        if provider in resolved.providers or not is_builtin(provider):
            continue
        rows.append(
            {
                "ref": ref,
                "provider": provider,
                "id": model_id,
                "name": None,
                "alias": aliases.get(ref),
                "contextWindow": None,
                "maxTokens": None,
                "reasoning": None,
                "input": [],
                "role": roles.get(ref),
                "served": None,
                "sentBy": SENT_BY_CLAWDBOT,
                "cost": None,
            }
        )
    return rows


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
                    "sentBy": SENT_BY_US
                    if (model.api or provider.api) == SEND_API
                    else SENT_BY_CLAWDBOT,
                    "cost": {
                        "input": model.cost.input,
                        "output": model.cost.output,
                        "cacheRead": model.cost.cache_read,
                        "cacheWrite": model.cost.cache_write,
                    },
                }
            )
    return rows + _builtin_rows(resolved, aliases, roles)


def remote_sections(resolved: ResolvedConfig, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Discovery for every LiteLLM provider; marks ``rows[*].served`` in place."""
    sections = []
    for name, provider in resolved.providers.items():
        if not is_litellm_provider(name):
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
                "prices": None if m.prices is None else dict(m.prices),
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
        header = [
            "REF", "NAME", "ALIAS", "CONTEXT", "MAX OUT", "REASONING", "INPUT", "ROLE", "SENT BY"
        ]  # fmt: skip
        if remote is not None:
            header.append("PROXY")
        table = [header]
        for row in rows:
            cells = [
                row["ref"],
                row["name"] or "-",
                row["alias"] or "-",
                "-" if row["contextWindow"] is None else str(row["contextWindow"]),
                "-" if row["maxTokens"] is None else str(row["maxTokens"]),
                _yes_no(row["reasoning"]),
                "+".join(row["input"]) or "-",
                row["role"] or "-",
                "this package" if row["sentBy"] == SENT_BY_US else "Clawdbot",
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
        _print_prices(section, rows)
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


def _price_text(prices: dict[str, Any] | None) -> str:
    if not prices or not any(prices.values()):
        return "-"
    return " / ".join(f"{prices.get(key, 0):g}" for key in ("input", "output", "cacheRead"))


def _print_prices(section: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """Proxy prices beside the configured ``cost``, per million tokens."""
    served = {m["id"]: m for m in section["models"]}
    table = [["MODEL", "PROXY PRICE", "CONFIGURED COST"]]
    for row in rows:
        found = served.get(row["id"]) if row["provider"] == section["provider"] else None
        if found is not None:
            table.append([row["ref"], _price_text(found["prices"]), _price_text(row["cost"])])
    if len(table) == 1:
        return
    click.echo(
        f"{section['provider']}: prices per million tokens (input / output / cache read); "
        "`models sync` copies the proxy's into cost:"
    )
    for line in _table(table):
        click.echo(f"  {line}")


@click.group("models")
def models() -> None:
    """List the configured models, sync them with the proxy, and pick the default."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (shape above) for scripts.")
@click.option("--remote", is_flag=True, help="Also ask each LiteLLM proxy which models it serves.")
@click.pass_context
def list_models(ctx: click.Context, as_json: bool, remote: bool) -> None:
    """Show the configured models; with --remote, side by side with the proxy's.

    --remote also shows the proxy's prices (from /model/info, per million tokens: input,
    output, cache read) beside each configured model's cost.

    \b
    JSON shape (--json), stable:
    {
      "config": "/path/clawdbot.json",
      "primary": "litellm/gpt-4" | null,       (as configured: a ref or an alias)
      "fallbacks": ["litellm/claude-3-opus", ...],
      "models": [{"ref", "provider", "id", "name", "alias" (str|null),
                  "contextWindow", "maxTokens", "reasoning", "input": ["text", "image"],
                  "role": "primary"|"fallback"|null,
                  "served": true|false|null (null without --remote or when unknown),
                  "cost": {"input", "output", "cacheRead", "cacheWrite"} (per million),
                  "sentBy": "clawdbot-litellm" | "clawdbot"}],
                  (refs to providers Clawdbot serves itself, such as anthropic/..., are
                  listed with sentBy "clawdbot" and null name/contextWindow/maxTokens/
                  reasoning/cost; so are providers whose api is not openai-completions)
      "remote": null without --remote, else one entry per LiteLLM provider
                (named litellm, litellm-* or litellm_*):
                [{"provider", "baseUrl", "error": str|null,
                  "models": [{"id", "contextWindow", "maxTokens", "reasoning", "vision",
                              "prices": {"input", "output", "cacheRead", "cacheWrite"}|null
                              (the proxy's, per million tokens), "configured": bool}]}]
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
    reasoning from supports_reasoning, the image input from supports_vision, and cost
    (input, output, cacheRead, cacheWrite per million tokens) from the proxy's per-token
    prices, converted exactly. Prints the changes (~ changed, + added, - skipped, ! configured
    but not served); keeps ${VAR} references as written. A model whose context window the proxy
    reports below Clawdbot's minimum (16000) is skipped with a note. --dry-run prints exactly
    what the real run would write.
    """
    resolved = _load(ctx)
    provider = provider_option(resolved, provider_name)
    path, raw = resolved.path, resolved.document.raw
    configured_definitions(raw, provider.name)  # fail before any network call
    served = discover_for(provider)
    notes: tuple[str, ...] = ()
    if dry_run:
        _, report = sync_document(raw, provider, served, add_all=add_all)
    else:
        reports: list[SyncReport] = []

        def mutate(current: dict[str, Any]) -> dict[str, Any]:
            doc, found = sync_document(current, provider, served, add_all=add_all)
            reports.append(found)
            return doc if not found.empty else current

        first = sync_document(raw, provider, served, add_all=add_all)[1]
        if not first.empty:
            # Like every other writer: dropped comments and the edit's new config warnings
            # (a small context window from the proxy, say) as Warning: lines.
            with warnings_as_lines(ConfigWarning):
                notes = edit_config(path, mutate).notes
        report = reports[-1] if reports else first
    # The heading first, then its details: what was (or would be) written, then the notes.
    if report.empty:
        click.echo(f"{provider.name}: already in sync with the proxy; nothing written.")
    elif dry_run:
        click.echo(f"Dry run: nothing written; a real run would write {path}:")
    else:
        click.echo(f"Wrote {path}:")
    for line in report.lines():
        click.echo(f"  {line}")

    echo_warnings(notes)


# --- models default ------------------------------------------------------------------------------

PRIMARY_PATH = "agents.defaults.model.primary"


@models.command("default")
@click.argument("ref", required=False, metavar="[REF]")
@click.pass_context
def default_model(ctx: click.Context, ref: str | None) -> None:
    """Show the default (primary) model, or set it to REF (a ref, an alias or a bare id).

    Setting is the same edit, with the same validation, as
    `config set agents.defaults.model.primary REF`: a model that is not configured is refused
    (add it first: `models sync --add-all`). Sends nothing.
    """
    explicit = (ctx.obj or {}).get("config")
    if ref is None:
        resolved = _load(ctx, secrets=False)
        written = resolved.config.agents.defaults.model.primary
        if resolved.primary is None:
            fail(
                f"No default model: {PRIMARY_PATH} is not set and no litellm model is "
                "configured; run `clawdbot-litellm onboard`, then `models default REF`"
            )
            return
        target = resolved.resolve(resolved.primary)
        shown = str(target.ref)
        if written is None:
            click.echo(f"{shown} (not set: {PRIMARY_PATH} is unset, so the first litellm model)")
        elif written.strip() != shown:
            click.echo(f"{shown} (written as {written})")
        else:
            click.echo(shown)
        return
    with warnings_as_lines(ConfigWarning):
        result = set_config_value(PRIMARY_PATH, ref.strip(), config=explicit)
    for note in result.notes:
        click.echo(f"Warning: {note}", err=True)
    if result.changed:
        click.echo(f"Default model: {ref.strip()} (set {PRIMARY_PATH} in {result.path})")
    else:
        click.echo(f"Default model is already {ref.strip()}; {result.path} not written")
