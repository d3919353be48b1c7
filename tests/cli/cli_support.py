"""Helpers the CLI test modules share: drive the real entry point and write configs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from click.testing import CliRunner, Result

from clawdbot_litellm.cli import main


class _Main(click.Command):
    """Lets CliRunner drive ``main`` itself: real ``Error:`` lines and exit codes."""

    def main(self, args: Sequence[str] | None = None, *_: Any, **__: Any) -> Any:  # type: ignore[override]
        return main(list(args or []))


def run(args: Sequence[str], input: str | None = None) -> Result:
    """Run ``clawdbot-litellm ARGS`` in-process through the console-script entry point."""
    return CliRunner().invoke(_Main("clawdbot-litellm"), list(args), input=input)


def write(path: Path, data: dict[str, Any]) -> Path:
    """Write a config document as the editor would (JSON, 2-space indent, trailing newline)."""
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path
