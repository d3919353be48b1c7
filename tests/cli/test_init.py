"""The command group: ``--help`` lists every command from ``SUMMARIES`` without importing it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click
import pytest

from clawdbot_litellm.cli import COMMANDS, SUMMARIES, cli


def test_every_command_has_a_summary() -> None:
    assert set(SUMMARIES) == set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
@pytest.mark.parametrize("limit", [20, 45, 70, 200])
def test_summary_shows_what_the_command_itself_would(name: str, limit: int) -> None:
    real = cli.get_command(click.Context(cli), name)
    assert real is not None
    listed = click.Command(name, help=SUMMARIES[name])
    assert listed.get_short_help_str(limit) == real.get_short_help_str(limit)


def test_help_lists_every_command_without_importing_any() -> None:
    code = (
        "import json, sys\n"
        "from clawdbot_litellm.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAWDBOT_", "LITELLM_"))}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    help_text, _, modules_line = done.stdout.rstrip().rpartition("\n")
    modules = json.loads(modules_line)
    for name in COMMANDS:
        assert f"\n  {name} " in help_text
        assert f"clawdbot_litellm.cli.{COMMANDS[name][0]}" not in modules
    assert "pydantic" not in modules
    assert "openai" not in modules
