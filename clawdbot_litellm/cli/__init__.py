"""The ``clawdbot-litellm`` command line: one click group whose commands load on demand.

Each command family lives in its own module and is imported only when it runs, so ``--help`` and
the commands that send nothing never import ``openai``.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from .._version import __version__
from .output import run_main

# command name -> "module:attribute" inside clawdbot_litellm.cli
COMMANDS: dict[str, tuple[str, str]] = {
    "chat": ("chat", "chat"),
    "config": ("config_cmd", "config"),
    "demo": ("demo", "demo"),
    "doctor": ("doctor", "doctor"),
    "models": ("models", "models"),
    "onboard": ("onboard", "onboard"),
    "plugins": ("plugins", "plugins"),
    "status": ("status", "status"),
}

# The first sentence of each command's help, so ``--help`` can list the commands without
# importing them (they pull in the config engine and pydantic, ~100 ms of a ~150 ms start).
# tests/cli/test_init.py checks these against the commands themselves.
SUMMARIES: dict[str, str] = {
    "chat": (
        "Send PROMPT (or stdin, with - or when piped) and stream the answer to stdout; with no "
        "PROMPT on a terminal, hold a conversation (type /help in it)."
    ),
    "config": "Read and edit the Clawdbot config file (edits keep ${VAR} references and $include).",
    "demo": "See the whole job work offline: a real LiteLLM proxy with mock models, a temporary "
    "config, models list, a streamed chat and doctor.",
    "doctor": "Check the config and the LiteLLM proxy, saying what to do about each failure.",
    "models": "List the configured models, sync them with the proxy, and pick the default.",
    "onboard": "Add your LiteLLM proxy to the config as the `litellm` provider and make it the "
    "default.",
    "plugins": "List the providers in the clawdbot.providers entry-point group, then broken "
    "plugins.",
    "status": "Show the proxy's health and the configured key's spend, budget, expiry and models.",
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Click's command list, taking each summary from ``SUMMARIES`` instead of an import."""
        listed: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = (
                click.Command(name, help=SUMMARIES[name])
                if name in SUMMARIES
                else self.get_command(ctx, name)
            )
            if command is not None and not command.hidden:
                listed.append((name, command))
        if listed:
            limit = formatter.width - 6 - max(len(name) for name, _ in listed)
            with formatter.section("Commands"):
                formatter.write_dl([(n, c.get_short_help_str(limit)) for n, c in listed])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            module, attribute = COMMANDS[cmd_name]
            command = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{module}:{attribute} is not a click command")
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=True, path_type=str),
    envvar=None,
    help="Config file (default: $CLAWDBOT_CONFIG_PATH, $CLAWDBOT_STATE_DIR/clawdbot.json, "
    "~/.clawdbot/clawdbot.json).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks (secrets stay masked).")
@click.version_option(__version__, prog_name="clawdbot-litellm")
@click.pass_context
def cli(ctx: click.Context, config_file: str | None, debug: bool) -> None:
    """Use a LiteLLM proxy as a Clawdbot model provider."""
    ctx.ensure_object(dict)
    ctx.obj["config"] = config_file
    ctx.obj["debug"] = debug


def main(args: list[str] | None = None) -> Any:
    """Console-script entry point: user errors become one ``Error:`` line and exit code 1."""
    return run_main(cli, args)
