"""Item 1 again, in CPU instructions: the adapter against the raw ``openai`` client, by callgrind.

The paired CPU-time ratios of ``bench.overhead`` move by several percent from one run to the next
on a shared two-core machine (the same code measured 1.01 to 1.09 in one sitting), which is the
size of the 5% target itself. ``valgrind --tool=callgrind`` counts executed instructions, which
repeat to the last digit for the same code, inputs and environment. Each side runs in its own
process under callgrind twice, with a small and a large number of requests after the same
warm-up; the difference divided by the difference in requests is the cost of one request, free of
start-up and imports::

    python -m bench.instructions               # every row (about 35 minutes on two cores)
    python -m bench.instructions --rows chat   # some of them

Instructions are not time (a cache miss costs more than an add), so this complements the CPU-time
rows rather than replacing them; it answers "does the adapter do less than 5% more work", which
the timing rows cannot settle at this noise level.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

TARGET = 1.05
SMALL, LARGE, WARM_UP = 100, 300, 50
ROWS = {
    "chat": "sync non-streaming",
    "stream": "sync streaming",
    "chat-headers": "sync non-streaming, every answer with LiteLLM's x-litellm-* headers",
    "chat-headers-read": "the same, and the caller reads result.proxy on every answer",
    "stream-headers": "sync streaming, with LiteLLM's x-litellm-* headers",
    "tool-stream": "sync streamed answer with two tool calls",
}
_COLLECTED = re.compile(r"Collected : (\d+)")


def _sides(row: str) -> dict[str, Callable[[int], None]]:
    """The loops of one row: the adapter, the raw client's ``create`` and its ``post`` of the
    adapter's body, each on a canned transport."""

    from clawdbot_litellm import load_config

    from ._fixtures import PROMPT, tool_stream_body
    from .overhead import (
        CannedServer,
        _adapter_sync,
        adapter_client,
        environ,
        raw_sides,
        tool_stream_sides,
        write_config,
    )

    with tempfile.TemporaryDirectory(prefix="clawdbot-bench-") as tmp:
        path = write_config(Path(tmp) / "clawdbot.json")
        config = load_config(path, environ=environ(path))
    server = CannedServer("-headers" in row)
    if row == "tool-stream":
        server.stream = tool_stream_body()
    client = adapter_client(config, server)
    if row == "tool-stream":
        return tool_stream_sides(config, server, client)
    index = 0 if row.startswith("chat") else 1
    raw = raw_sides(config, server, PROMPT)
    return {
        "adapter": _adapter_sync(client, read_proxy=row.endswith("-read"))[index],
        "raw": raw["raw"][index],
        "post": raw["post"][index],
    }


def _child(row: str, side: str, requests: int) -> None:
    run = _sides(row)[side]
    run(WARM_UP)
    run(requests)


def _instructions(row: str, side: str, requests: int) -> int:
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    with tempfile.TemporaryDirectory(prefix="clawdbot-callgrind-") as tmp:
        done = subprocess.run(
            [
                valgrind,
                "--tool=callgrind",
                f"--callgrind-out-file={tmp}/out",
                sys.executable,
                "-m",
                "bench.instructions",
                "--child",
                row,
                side,
                str(requests),
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
    found = _COLLECTED.search(done.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no instruction count:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def measure(row: str) -> dict[str, Any]:
    """Instructions per request of each side; the adapter against ``create`` (the target) and
    against ``post`` (what the adapter's own code adds on the same path)."""
    per_request = {
        side: (_instructions(row, side, LARGE) - _instructions(row, side, SMALL)) / (LARGE - SMALL)
        for side in ("adapter", "raw", "post")
    }
    ratio = per_request["adapter"] / per_request["raw"]
    return {
        "row": ROWS[row],
        "instructions_per_request": {side: round(n) for side, n in per_request.items()},
        "ratio": round(ratio, 4),
        "post_ratio": round(per_request["adapter"] / per_request["post"], 4),
        "target": TARGET,
        "ok": ratio <= TARGET,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated: {','.join(ROWS)}")
    parser.add_argument("--child", nargs=3, metavar=("ROW", "SIDE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        row, side, requests = args.child
        _child(row, side, int(requests))
        return
    results = [measure(row.strip()) for row in args.rows.split(",") if row.strip()]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
