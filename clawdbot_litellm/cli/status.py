"""``clawdbot-litellm status``: the proxy's health and what the configured key may spend and call.

Reads ``/health/liveliness``, ``/health/readiness`` and ``/key/info`` (see
:mod:`clawdbot_litellm.proxy_status`); sends no chat request and never imports ``openai``. The
key is shown only masked.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ..config.resolve import ConfigWarning, load_config
from ..config.schema import DEFAULT_PROVIDER
from ..config.secrets import display_url, mask_secret
from ..proxy_status import NO_DB, STATUS_TIMEOUT, check_health, key_status
from .output import echo_json, provider_option, warnings_as_lines


def _money(value: float | None) -> str:
    return "none" if value is None else f"${value:.4f}"


def _limit(value: int | None) -> str:
    return "none" if value is None else str(value)


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (shape below) for scripts.")
@click.option(
    "--provider",
    "provider_name",
    default=DEFAULT_PROVIDER,
    show_default=True,
    help="Which configured LiteLLM provider to ask.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=STATUS_TIMEOUT,
    show_default=True,
    help="Seconds to wait for the proxy.",
)
@click.pass_context
def status(ctx: click.Context, as_json: bool, provider_name: str, timeout: float) -> None:
    """Show the proxy's health and the configured key's spend, budget, expiry and models.

    From /health/liveliness and /health/readiness (no key needed) and the proxy's /key/info:
    spend, max budget and when it resets, expiry, allowed models, rpm/tpm limits, and for each
    configured model whether the key may call it. A proxy without a database keeps no key
    budgets; that is said, not failed. The key is only ever shown masked. Exits 1 when the
    proxy is down.

    \b
    JSON shape (--json), stable:
    {"provider": "litellm", "baseUrl": str, "key": "sk-…abcd"|null,
     "health": {"live": bool, "ready": bool|null, "db": str|null, "error": str|null},
     "budgets": "tracked"|"no database"|"error", "error": str|null,
     "keyInfo": null | {"alias", "spend", "max_budget", "budget_duration", "budget_reset_at",
                        "expires", "models": [str], "rpm_limit", "tpm_limit", "blocked"},
     "models": [{"ref": str, "allowed": bool|null}]}
    """
    with warnings_as_lines(ConfigWarning):
        config = load_config((ctx.obj or {}).get("config"))
    provider = provider_option(config, provider_name)
    health = check_health(provider, timeout)
    found = key_status(provider, health, timeout) if health.live else None
    info = found.info if found is not None else None
    budgets = "tracked" if info is not None else "no database"
    if found is None or (info is None and not found.no_db):
        budgets = "error"
    error = health.error or (found.error if found is not None else None)
    models = [
        {
            "ref": f"{provider.name}/{model.id}",
            "allowed": None if info is None else info.may_call(model.id),
        }
        for model in provider.models
    ]
    data: dict[str, Any] = {
        "provider": provider.name,
        "baseUrl": display_url(provider.base_url),
        "key": mask_secret(provider.api_key) if provider.api_key else None,
        "health": {
            "live": health.live,
            "ready": health.ready,
            "db": health.db,
            "error": health.error,
        },
        "budgets": budgets,
        "error": error,
        "keyInfo": None if info is None else info.as_dict(),
        "models": models,
    }
    if as_json:
        echo_json(data)
    else:
        _print(data, found is not None and found.no_db)
    if not health.live:
        sys.exit(1)


def _print(data: dict[str, Any], no_db: bool) -> None:
    health = data["health"]
    click.echo(f"Proxy: {data['baseUrl']} ({data['provider']})")
    if not health["live"]:
        click.echo(f"Health: down ({health['error'] or 'no /health/liveliness answer'})")
        return
    db = health["db"] or "unknown"
    click.echo(f"Health: live, {'ready' if health['ready'] else 'NOT ready'}; database: {db}")
    click.echo(f"Key: {data['key'] or 'none configured'}")
    info = data["keyInfo"]
    if info is None:
        click.echo(f"Budget: {NO_DB}" if no_db else f"Budget: unknown ({data['error']})")
        return
    resets = f", resets {info['budget_reset_at']}" if info["budget_reset_at"] else ""
    click.echo(f"Spend: {_money(info['spend'])} of max budget {_money(info['max_budget'])}{resets}")
    click.echo(f"Expires: {info['expires'] or 'never'}")
    click.echo(f"Limits: rpm {_limit(info['rpm_limit'])}, tpm {_limit(info['tpm_limit'])}")
    click.echo(f"Allowed models: {', '.join(info['models']) or 'all'}")
    for model in data["models"]:
        click.echo(f"  {model['ref']}: {'allowed' if model['allowed'] else 'NOT ALLOWED'}")
