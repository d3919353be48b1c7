"""``config get | set | unset | validate | file``: Clawdbot's config commands, without its bugs.

Thin: paths, values, validation and masking live in ``config/``. Nothing here imports ``openai``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from typing import Any

import click

from ..config.check import find_problems
from ..config.edit import EditResult, get_config_value, set_config_value, unset_config_value
from ..config.locate import config_path
from ..config.path import format_path, get_at, parse_path, parse_value
from ..config.resolve import ConfigWarning, ImplicitProvider
from ..config.secrets import is_secret_path, mask_secrets
from ..errors import Problem
from ..plugin_index import installed_implicit_providers
from .output import STDIN, echo_json, echo_warnings, read_stdin_value, warnings_as_lines


def _config_option(ctx: click.Context) -> str | None:
    obj = ctx.find_root().obj
    return obj.get("config") if isinstance(obj, dict) else None


def _implicit() -> dict[str, ImplicitProvider] | None:
    """Installed plugins' providers, so refs to them are valid here as in a host."""
    return installed_implicit_providers()


def _plain(value: Any) -> str:
    """Scalars as a person types them (strings unquoted); anything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2, ensure_ascii=False)
    return json.dumps(value)


@click.group("config")
def config() -> None:
    """Read and edit the Clawdbot config file (edits keep ${VAR} references and $include)."""


@config.command("get")
@click.argument("path")
@click.option("--json", "as_json", is_flag=True, help="Always print JSON.")
@click.option(
    "--raw", is_flag=True, help="The value as written in the file (no ${VAR}, no $include)."
)
@click.option("--show-secrets", is_flag=True, help="Print API keys and tokens in full.")
@click.pass_context
def get_command(
    ctx: click.Context, path: str, as_json: bool, raw: bool, show_secrets: bool
) -> None:
    """Print the value at PATH; secrets are masked.

    PATH is dotted, with [brackets] for keys holding dots or slashes and \\ to escape a
    character: agents.defaults.models[litellm/gpt-4].alias. Scalars print plainly, anything
    else as JSON. The value is resolved ($include, env block, ${VAR}, model defaults; a litellm
    baseUrl without a trailing /v1, as the client uses it) unless --raw.
    """
    segments = parse_path(path)
    with warnings_as_lines(ConfigWarning):
        value = get_config_value(
            path, config=_config_option(ctx), raw=raw, implicit=None if raw else _implicit()
        )
    if not show_secrets:
        value = mask_secrets(value, segments)
    if as_json:
        echo_json(value)
    else:
        click.echo(_plain(value))


def _report_edit(result: EditResult, done: str, same: str, notes: Sequence[str]) -> None:
    # A dropped-comments warning has already been shown by warnings_as_lines.
    echo_warnings(notes)
    if result.changed:
        click.echo(f"{done} in {result.path}")
    else:
        click.echo(f"{same}; {result.path} not written")


@config.command("set", context_settings={"ignore_unknown_options": True})
@click.argument("path")
@click.argument("value")
@click.option("--json", "strict_json", is_flag=True, help="VALUE must be JSON5 (else: a string).")
@click.pass_context
def set_command(ctx: click.Context, path: str, value: str, strict_json: bool) -> None:
    """Set PATH to VALUE, validated before writing.

    VALUE is parsed as JSON5 (128000, true, ["a"], {alias: "GPT-4"}), else taken as a string;
    - reads it from stdin, so a key stays out of ps and shell history
    (config set models.providers.litellm.apiKey - < key.txt). Only PATH changes in the file:
    ${VAR} references and $include stay as written. The old file is kept as <file>.bak
    (.bak.1 .. .bak.4 before it). A litellm baseUrl is stored without a trailing
    /v1 (the client appends it).
    """
    segments = parse_path(path)
    if value == STDIN:
        value = read_stdin_value(f"Value for {format_path(segments)}")
    secret = is_secret_path(segments)
    parsed = parse_value(value, strict_json=strict_json, secret=secret)
    with warnings_as_lines(ConfigWarning):
        result = set_config_value(path, parsed, config=_config_option(ctx), implicit=_implicit())
    stored, notes = get_at(result.after, segments), result.notes
    if stored != parsed and notes:
        # The library stored another value (a litellm baseUrl without /v1); notes[0] says so.
        click.echo(f"Note: {notes[0]}", err=True)
        notes = notes[1:]
    shown = json.dumps(mask_secrets(stored, segments), ensure_ascii=False)
    where = format_path(segments)
    _report_edit(result, f"Set {where} = {shown}", f"{where} is already {shown}", notes)


@config.command("unset")
@click.argument("path")
@click.pass_context
def unset_command(ctx: click.Context, path: str) -> None:
    """Remove PATH from the config file."""
    segments = parse_path(path)
    with warnings_as_lines(ConfigWarning):
        result = unset_config_value(path, config=_config_option(ctx), implicit=_implicit())
    _report_edit(result, f"Removed {format_path(segments)}", "Nothing to remove", result.notes)


def _problem_line(problem: Problem, file: str) -> str:
    """``- path: message``, naming the file once: the heading already does, so a whole-file
    problem (a syntax error) shows its position and message only."""
    if problem.path != file:
        return str(problem)
    message = problem.message
    if message.startswith(f"{file}:"):
        message = re.sub(r"^(\d+):(\d+): ", r"line \1, column \2: ", message[len(file) + 1 :])
    return f"- {message}"


@config.command("validate")
@click.option(
    "--json", "as_json", is_flag=True, help="Print {file, exists, valid, problems, warnings}."
)
@click.pass_context
def validate_command(ctx: click.Context, as_json: bool) -> None:
    """Print every problem of the config; exit 1 if any."""
    report = find_problems(_config_option(ctx), implicit=_implicit())
    file, exists, problems, notes = (
        str(report.path),
        report.exists,
        report.problems,
        report.warnings,
    )
    if as_json:
        echo_json(
            {
                "file": file,
                "exists": exists,
                "valid": not problems,
                "problems": [{"path": p.path, "message": p.message} for p in problems],
                "warnings": notes,
            }
        )
    else:
        for note in notes:
            click.echo(f"Warning: {note}", err=True)
        if problems:
            noun = "problem" if len(problems) == 1 else "problems"
            click.echo(f"Invalid config {file} ({len(problems)} {noun}):")
            for problem in problems:
                click.echo(_problem_line(problem, file))
        elif exists:
            click.echo(f"Config OK: {file}")
        else:
            click.echo(
                f"Config OK: {file} does not exist, so the LITELLM_* environment and the "
                "defaults apply"
            )
    if problems:
        sys.exit(1)  # not ctx.exit: that only returns 1 from a non-standalone main()


@config.command("file")
@click.option("--json", "as_json", is_flag=True, help="Print {path, exists}.")
@click.pass_context
def file_command(ctx: click.Context, as_json: bool) -> None:
    """Print the config file in use and whether it exists."""
    path = config_path(_config_option(ctx))
    exists = path.exists()
    if as_json:
        echo_json({"path": str(path), "exists": exists})
    elif exists:
        click.echo(f"{path} (exists)")
    else:
        click.echo(f"{path} (does not exist yet; the first edit creates it)")
