"""Helpers for the compatibility suite: run the real CLI in-process, write config files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from click.testing import CliRunner, Result

from clawdbot_litellm.cli import main


class _Main(click.Command):
    def main(self, args: Sequence[str] | None = None, *_: Any, **__: Any) -> Any:  # type: ignore[override]
        return main(list(args or []))


def run(args: Sequence[str], input: str | None = None) -> Result:
    """``clawdbot-litellm ARGS`` through the console-script entry point."""
    return CliRunner().invoke(_Main("clawdbot-litellm"), list(args), input=input)


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())
