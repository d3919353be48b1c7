"""``clawdbot-litellm doctor``: the checks of :mod:`clawdbot_litellm.doctor`, one line each.

The checks themselves live in the library so a host can run them; this module only prints.
``openai`` is imported only when a check talks to the proxy, never for ``--help``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from ..config.locate import config_path
from ..doctor import DOCTOR_TIMEOUT, Check, failed, run_checks
from ..plugin_index import installed_implicit_providers
from ..proxy_status import DEEP_HEALTH_TIMEOUT
from .output import echo_json
from .spinner import spinner

_STYLES = {
    "ok": ("ok  ", "green"),
    "warn": ("warn", "yellow"),
    "fail": ("FAIL", "red"),
    "skip": ("skip", "yellow"),
}


def check_line(check: Check) -> str:
    """``ok   name: detail``; a failure or warning adds ``; fix: ...`` so each line says what
    to do."""
    label, colour = _STYLES[check.status]
    line = f"{click.style(label, fg=colour, bold=check.ok is False)}  {check.name}: {check.detail}"
    if (check.ok is False or check.warn) and check.fix:
        line += f"; fix: {check.fix}"
    return line


def print_checks(checks: Sequence[Check]) -> bool:
    """Print one line per check and a summary; True when nothing failed."""
    for check in checks:
        click.echo(check_line(check))
    failures = failed(checks)
    skipped = sum(1 for check in checks if check.ok is None)
    warned = sum(1 for check in checks if check.status == "warn")
    extra = [f"{skipped} skipped"] if skipped else []
    extra += [f"{warned} warning{'s' if warned > 1 else ''}"] if warned else []
    tail = f" ({', '.join(extra)})" if extra else ""
    if failures:
        noun = "check" if len(failures) == 1 else "checks"
        click.echo(f"{len(failures)} {noun} failed{tail}; fix the first one first.")
    else:
        click.echo(f"All {len(checks) - skipped} checks passed{tail}.")
    return not failures


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (shape below) for scripts.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=DOCTOR_TIMEOUT,
    show_default=True,
    help="Seconds to wait for the proxy.",
)
@click.option(
    "--deep",
    is_flag=True,
    help="Also ask the proxy's /health, which calls every upstream model (costs requests); "
    f"waits up to {DEEP_HEALTH_TIMEOUT:g} s for it (--timeout if longer).",
)
@click.pass_context
def doctor(ctx: click.Context, as_json: bool, timeout: float, deep: bool) -> None:
    """Check the config and the LiteLLM proxy, saying what to do about each failure.

    Checks, in order: config file, config syntax, env references (each ${VAR} by name, never
    its value), config schema, base URL (a /v1 suffix warns), proxy reachable, API key, then
    per configured litellm model: "model <ref>" (served by the proxy) and "context window
    <ref>" (agrees with the proxy). A check an earlier failure makes meaningless is skipped.
    Between them: "proxy health" (/health/liveliness and /health/readiness: tells a proxy
    that is down, one whose key is rejected and one whose database is down apart), "key
    budget" (warn at 80%, fail over budget or blocked) and "key expiry" from /key/info
    (skipped when the proxy has no database); a model the key may not call fails. --deep adds
    "upstreams (/health)": it fails when a configured model's upstream is unhealthy and warns
    when only the proxy's other models are (each named by the proxy's model name, never by
    upstream URL). Exits 1 when any check fails; a "warn" passes.

    \b
    JSON shape (--json), stable:
    {"ok": bool, "config": "/path/clawdbot.json",
     "checks": [{"name", "status": "ok"|"warn"|"fail"|"skip", "ok": true|false|null,
                 "detail", "fix"}]}
    """
    explicit = (ctx.obj or {}).get("config")
    implicit = installed_implicit_providers()  # refs to plugins' providers are valid, as in chat
    if deep:
        click.echo(
            "--deep: the proxy's /health sends a request to every upstream model; those "
            "requests are billed by the upstreams.",
            err=True,
        )
    if as_json:
        checks = run_checks(explicit, timeout=timeout, deep=deep, implicit=implicit)
        echo_json(
            {
                "ok": not failed(checks),
                "config": str(config_path(explicit)),
                "checks": [check.as_dict() for check in checks],
            }
        )
        passed = not failed(checks)
    else:
        with spinner("Checking the config and the proxy" + (" and its upstreams" if deep else "")):
            checks = run_checks(explicit, timeout=timeout, deep=deep, implicit=implicit)
        passed = print_checks(checks)
    if not passed:
        sys.exit(1)  # not ctx.exit: run_main's non-standalone click would return the code
