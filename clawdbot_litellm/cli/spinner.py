"""A small spinner on stderr, so a person knows a network call is under way.

It draws only when stderr is a terminal: piped output and CliRunner tests see one plain line
instead of control characters.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

import click

FRAMES = "|/-\\"
INTERVAL = 0.1


@contextmanager
def spinner(message: str, stream: TextIO | None = None) -> Iterator[None]:
    """Show ``message`` with a turning bar while the block runs; the line is cleared afterwards."""
    out = sys.stderr if stream is None else stream
    if not out.isatty():
        click.echo(f"{message}...", err=True)
        yield
        return
    done = threading.Event()

    def draw() -> None:
        index = 0
        while not done.wait(INTERVAL if index else 0):
            out.write(f"\r{FRAMES[index % len(FRAMES)]} {message}...")
            out.flush()
            index += 1

    thread = threading.Thread(target=draw, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        out.write("\r" + " " * (len(message) + 5) + "\r")
        out.flush()
