"""Helpers of the hardening tests: the CLI in-process and as a real process, file listings.

``run_cli(args, input=...)`` runs ``clawdbot_litellm.cli.main`` itself (real ``Error:`` lines,
real exit codes) through click's runner; ``run_subprocess(args, env=...)`` runs ``python -m
clawdbot_litellm`` for what only a real process shows (tracebacks, logging, start-up).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from click.testing import CliRunner

from clawdbot_litellm.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Outcome:
    """What one CLI run did: exit code, both streams, and an exception that escaped ``main``."""

    exit_code: int
    stdout: str
    stderr: str
    escaped: BaseException | None = None


class _Main(click.Command):
    """Lets CliRunner drive ``main`` itself rather than the click group."""

    def main(self, args: Sequence[str] | None = None, *_: Any, **__: Any) -> Any:  # type: ignore[override]
        return main(list(args or []))


def run_cli(args: Sequence[str], input: str | None = None) -> Outcome:
    """``clawdbot-litellm ARGS`` in-process; an exception other than SystemExit is kept, not
    raised, so a test can say which case let one escape (that would be a traceback)."""
    result = CliRunner().invoke(_Main("clawdbot-litellm"), list(args), input=input)
    escaped = None if isinstance(result.exception, SystemExit | None) else result.exception
    return Outcome(result.exit_code, result.stdout, result.stderr, escaped)


def run_subprocess(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    cwd: Path | None = None,
    timeout: float = 60.0,
) -> Outcome:
    """``python -m clawdbot_litellm ARGS`` as a real process (environment: ours plus ``env``)."""
    completed = subprocess.run(
        [sys.executable, "-m", "clawdbot_litellm", *args],
        env={**os.environ, **(env or {})},
        input=input,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
    return Outcome(completed.returncode, completed.stdout, completed.stderr)


def listing(directory: Path) -> dict[str, bytes | None]:
    """Every entry under ``directory`` with its bytes (``None`` for anything but a file)."""
    found: dict[str, bytes | None] = {}
    for path in sorted(directory.rglob("*")):
        relative = str(path.relative_to(directory))
        is_file = path.is_file() and not path.is_symlink()
        found[relative] = path.read_bytes() if is_file else None
    return found


@contextlib.contextmanager
def fifo_watchdog(fifo: Path, after: float = 10.0) -> Iterator[None]:
    """While a reader blocks on ``fifo``, give it end-of-file every ``after`` seconds, so a
    regression fails the test instead of hanging the suite."""
    done = threading.Event()

    def release() -> None:
        while not done.wait(after):
            with contextlib.suppress(OSError):  # a writer that leaves at once
                os.close(os.open(fifo, os.O_RDWR | os.O_NONBLOCK))

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
