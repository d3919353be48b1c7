"""``clawdbot-litellm plugins``: which providers a host would find, from which distributions, and
which plugins are broken, so a user can tell a missing provider from a failing one."""

from __future__ import annotations

import contextlib
import sys
import traceback
from typing import Any

import click

from ..plugin import Discovery, PluginFailure, PluginOrigin, discover_providers
from .output import echo_json


def _where(distribution: str | None, version: str | None) -> str:
    return f"{distribution or '(unknown distribution)'} {version or '?'}".strip()


def _origin_json(origin: PluginOrigin) -> dict[str, Any]:
    return {
        "entryPoint": origin.entry_point,
        "target": origin.target,
        "distribution": origin.distribution,
        "version": origin.version,
    }


def _failure_json(failure: PluginFailure) -> dict[str, Any]:
    return {
        "entryPoint": failure.entry_point,
        "target": failure.target,
        "distribution": failure.distribution,
        "version": failure.version,
        "kind": failure.kind,
        "error": failure.error,
    }


def _order(item: PluginOrigin | PluginFailure) -> tuple[str, str]:
    return (item.distribution or "", item.entry_point)


def as_json(found: Discovery) -> dict[str, Any]:
    """The ``--json`` document; its keys and orders are stable (see ``plugins --help``)."""
    providers = []
    for provider_id in sorted(found.providers):
        provider = found.providers[provider_id]
        providers.append(
            {
                "id": provider.id,
                "label": provider.label,
                "api": provider.api,
                "defaultBaseUrl": provider.default_base_url,
                "envVars": list(provider.env_vars),
                "authChoice": provider.auth_choice,
                **_origin_json(found.origins[provider_id]),
            }
        )
    return {
        "group": found.group,
        "providers": providers,
        "failures": [_failure_json(f) for f in sorted(found.failures, key=_order)],
        "skipped": [_origin_json(s) for s in sorted(found.skipped, key=_order)],
        "skipReason": found.skip_reason or None,
    }


def _echo_text(found: Discovery, debug: bool) -> None:
    click.echo(f"Providers in {found.group} ({len(found.providers)}):")
    for provider_id in sorted(found.providers):
        provider, origin = found.providers[provider_id], found.origins[provider_id]
        click.echo(
            f"  {provider_id:<16} {provider.label:<20} {provider.api:<20} "
            f"{_where(origin.distribution, origin.version)}"
        )
    if found.failures:
        click.echo(f"Failures ({len(found.failures)}):")
        for failure in sorted(found.failures, key=_order):
            where = _where(failure.distribution, failure.version)
            click.echo(f"  {failure.entry_point} ({where}): {failure.error}")
            if debug and failure.exception is not None:
                lines = traceback.format_exception(failure.exception)
                click.echo("".join("    " + line for line in lines).rstrip())
    if found.skipped:
        click.echo(f"Skipped, {found.skip_reason} ({len(found.skipped)}):")
        for origin in sorted(found.skipped, key=_order):
            click.echo(f"  {origin.entry_point} ({_where(origin.distribution, origin.version)})")


@click.command("plugins")
@click.option("--json", "json_output", is_flag=True, help="Print one JSON document.")
@click.pass_context
def plugins(ctx: click.Context, json_output: bool) -> None:
    """List the providers in the clawdbot.providers entry-point group, then broken plugins.

    Honours CLAWDBOT_PROVIDERS_ALLOW and CLAWDBOT_PROVIDERS_DISABLE. Broken plugins are reported,
    not fatal: the exit code is 0. With --debug, each failure shows its traceback.

    \b
    --json prints:
      {"group": "clawdbot.providers",
       "providers": [{"id", "label", "api", "defaultBaseUrl", "envVars": [...], "authChoice",
                      "entryPoint", "target", "distribution", "version"}],   (sorted by id)
       "failures": [{"entryPoint", "target", "distribution", "version",
                     "kind": "load"|"invalid"|"duplicate"|"metadata", "error"}],
       "skipped": [{"entryPoint", "target", "distribution", "version"}],
       "skipReason": str|null}
    (failures and skipped sorted by distribution, then entry point)
    """
    # A plugin that prints while it is imported must not corrupt what we print.
    with contextlib.redirect_stdout(sys.stderr):
        found = discover_providers()
    if json_output:
        echo_json(as_json(found))
    else:
        _echo_text(found, bool((ctx.obj or {}).get("debug")))
