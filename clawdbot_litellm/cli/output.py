"""What every command shares for talking to a person: errors, JSON, masking."""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from ..errors import ClawdbotLiteLLMError

if TYPE_CHECKING:
    from ..config.resolve import ResolvedConfig
    from ..config.schema import Provider

EXIT_USER_ERROR = 1


def debug_enabled(argv: list[str]) -> bool:
    return "--debug" in argv


def run_main(group: click.Group, args: list[str] | None) -> Any:
    """Run the group; our errors become ``Error: ...`` on stderr and exit 1, no traceback."""
    argv = list(sys.argv[1:] if args is None else args)
    try:
        status = group.main(args=argv, prog_name="clawdbot-litellm", standalone_mode=False)
        if isinstance(status, int) and status != 0:
            # Non-standalone click returns ctx.exit(n) instead of exiting: keep the status.
            sys.exit(status)
        return status
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(EXIT_USER_ERROR)
    except click.UsageError as error:
        show_usage_error(error)
        sys.exit(error.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except ClawdbotLiteLLMError as error:
        if debug_enabled(argv):
            raise
        fail(str(error))
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)


def show_usage_error(error: click.UsageError) -> None:
    """Like click's, but ``Error: ...`` comes first: every failure's first line says what is wrong,
    so a script or a person reading only that line gets the problem, not the usage."""
    click.echo(f"Error: {error.format_message()}", err=True)
    ctx = error.ctx
    if ctx is None:
        return
    click.echo(ctx.get_usage(), err=True)
    if ctx.command.get_help_option(ctx) is not None:
        option = max(ctx.command.get_help_option_names(ctx), key=len)
        click.echo(f"Try '{ctx.command_path} {option}' for help.", err=True)


def fail(message: str) -> None:
    """Print a one-screen error (the first line is the summary) and exit 1."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(EXIT_USER_ERROR)


def provider_option(config: ResolvedConfig, name: str) -> Provider:
    """The provider a ``--provider NAME`` option names, or one ``Error:`` line and exit 1."""
    provider = config.providers.get(name.strip().lower())
    if provider is None:
        fail(
            f"No provider {name!r} is configured (configured: "
            f"{', '.join(config.providers) or 'none'}); pass --provider NAME"
        )
        raise AssertionError("unreachable")  # pragma: no cover - fail() exits
    return provider


STDIN = "-"


def stdin_is_terminal() -> bool:
    """Whether a person could answer a prompt (``sys.stdin`` is what click's runner swaps)."""
    return sys.stdin.isatty()


def read_stdin_value(what: str) -> str:
    """The value given as ``-``: stdin up to its end, without the line break a shell adds.

    A key passed this way never appears in ``ps`` or in the shell's history. From a terminal
    it is asked for with echo off.
    """
    if stdin_is_terminal():
        text = str(click.prompt(what, hide_input=True, default="", show_default=False))
    else:
        text = sys.stdin.read()
    text = text.removesuffix("\n").removesuffix("\r")
    if not text.strip():
        fail(f"{what}: standard input was empty; pipe the value in, e.g. from a file: < key.txt")
    return text


def echo_warnings(notes: Iterable[str]) -> None:
    """Notes of a library call (an edit's new config warnings) as ``Warning: ...`` lines."""
    for note in notes:
        click.echo(f"Warning: {note}", err=True)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@contextmanager
def warnings_as_lines(*categories: type[Warning]) -> Iterator[None]:
    """Our warnings (``ConfigWarning``, ``RequestWarning``) become ``Warning: ...`` lines on stderr
    instead of Python's ``file:line: Category`` format, also when the block fails; others pass on.
    """
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as recorded:
            for category in categories:
                warnings.simplefilter("always", category)
            caught = recorded
            yield
    finally:
        for item in caught:
            if issubclass(item.category, categories):
                click.echo(f"Warning: {item.message}", err=True)
            else:
                warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
