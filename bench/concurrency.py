"""Item 5: 1,000 concurrent streamed requests through one shared async client, real proxy.

Each side (the adapter's ``AsyncClient``, the raw ``openai.AsyncOpenAI``) is built once with its
defaults (its own connection pool) and fires all requests at once with ``asyncio.gather``;
rounds alternate the sides. Reported: errors, answers checked, throughput (requests per second of
wall time) and its ratio adapter/raw, and the TCP connections this process held to the proxy,
sampled while the requests ran and after they finished.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import openai

from clawdbot_litellm import AsyncClient, load_config
from clawdbot_litellm.client import create_kwargs
from clawdbot_litellm.request import build_request

from ._common import load_average, round_order
from ._fixtures import ANSWER, API_KEY, PROMPT, REF, environ, write_config
from ._proxy import bench_proxy
from .sdk import warm_up

TARGET = 0.95
SAMPLE_EVERY = 0.1  # seconds; reading /proc costs a few ms with 1,000 sockets open
_ESTABLISHED = "01"


def open_connections(port: int) -> int:
    """Established TCP connections from this process to ``port`` on the loopback."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[3] == _ESTABLISHED and fields[9] in inodes:
                count += 1
    return count


async def _sample(port: int, peak: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], open_connections(port))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), SAMPLE_EVERY)


async def _burst(one: Callable[[], Awaitable[str]], count: int, port: int) -> dict[str, Any]:
    peak = [0]
    stop = asyncio.Event()
    sampler = asyncio.create_task(_sample(port, peak, stop))
    start = time.perf_counter()
    answers = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
    seconds = time.perf_counter() - start
    stop.set()
    await sampler
    errors = [a for a in answers if isinstance(a, BaseException)]
    wrong = [a for a in answers if isinstance(a, str) and a != ANSWER]
    return {
        "seconds": seconds,
        "errors": len(errors),
        "error_kinds": sorted({type(e).__name__ for e in errors}),
        "first_error": str(errors[0])[:300] if errors else None,
        "wrong_answers": len(wrong),
        "peak_connections": peak[0],
        "connections_after": open_connections(port),
    }


def _limits(transport: Any) -> dict[str, Any]:
    """The pool limits the openai client set (private attributes: reported, never relied on)."""
    pool = getattr(transport, "_pool", None)
    return {
        "pool_max_connections": getattr(pool, "_max_connections", None),
        "pool_max_keepalive": getattr(pool, "_max_keepalive_connections", None),
    }


async def measure_async(base_url: str, concurrency: int, rounds: int) -> dict[str, Any]:
    port = int(base_url.rsplit(":", 1)[1])
    with tempfile.TemporaryDirectory(prefix="clawdbot-bench-") as tmp:
        path = write_config(Path(tmp) / "clawdbot.json", base_url)
        config = load_config(path, environ=environ(path))
    stream_kwargs = create_kwargs(
        build_request(config.resolve(REF).model, PROMPT, stream=True, ref=REF)
    )
    limits: dict[str, Any] = {}

    async def adapter_burst(count: int) -> dict[str, Any]:
        """A new shared client per burst, so no other pool's idle connections are counted."""
        client = AsyncClient(config, max_retries=0)

        async def one() -> str:
            stream = await client.stream(PROMPT, model=REF)
            async for _event in stream:
                pass
            return stream.result.text

        try:
            result = await _burst(one, count, port)
            pool = getattr(client.openai_client("litellm")._client, "_transport", None)
            limits.update(_limits(pool))
            return result
        finally:
            await client.aclose()

    async def raw_burst(count: int) -> dict[str, Any]:
        raw = openai.AsyncOpenAI(
            base_url=config.providers["litellm"].api_base, api_key=API_KEY, max_retries=0
        )

        async def one() -> str:
            parts = []
            async for chunk in await raw.chat.completions.create(**stream_kwargs):
                if chunk.choices and chunk.choices[0].delta.content:
                    parts.append(chunk.choices[0].delta.content)
            return "".join(parts)

        try:
            return await _burst(one, count, port)
        finally:
            await raw.close()

    sides: dict[str, Callable[[int], Awaitable[dict[str, Any]]]] = {
        "adapter": adapter_burst,
        "raw": raw_burst,
        "control": raw_burst,  # the raw client again: what noise alone makes of the ratio
    }
    runs: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
    for burst in sides.values():  # warm-up: lazy imports on both ends
        await burst(20)
    for index in range(rounds):
        for side in round_order(list(sides), index):
            runs[side].append(await sides[side](concurrency))

    def side_summary(items: list[dict[str, Any]]) -> dict[str, Any]:
        seconds = statistics.median(r["seconds"] for r in items)
        return {
            "median_s": seconds,
            "throughput_rps": concurrency / seconds,
            "errors": sum(r["errors"] for r in items),
            "error_kinds": sorted({k for r in items for k in r["error_kinds"]}),
            "first_error": next((r["first_error"] for r in items if r["first_error"]), None),
            "wrong_answers": sum(r["wrong_answers"] for r in items),
            "peak_connections": max(r["peak_connections"] for r in items),
            "connections_after": max(r["connections_after"] for r in items),
            "rounds": [round(r["seconds"], 3) for r in items],
        }

    def paired(side: str) -> float:
        """Median over rounds of raw's time over the side's: its throughput relative to raw."""
        return statistics.median(
            r["seconds"] / s["seconds"] for s, r in zip(runs[side], runs["raw"], strict=True)
        )

    adapter, baseline = side_summary(runs["adapter"]), side_summary(runs["raw"])
    control = side_summary(runs["control"])
    throughput_ratio = paired("adapter")
    return {
        "concurrency": concurrency,
        "rounds_per_side": rounds,
        "adapter": adapter,
        "raw": baseline,
        "control": control,
        "throughput_ratio": throughput_ratio,
        "ratio_of_medians": adapter["throughput_rps"] / baseline["throughput_rps"],
        "control_throughput_ratio": paired("control"),
        "judged_on": "throughput_ratio (paired: median over rounds of raw time / adapter time)",
        **limits,
        "target": TARGET,
        "ok": throughput_ratio >= TARGET
        and adapter["errors"] == 0
        and adapter["wrong_answers"] == 0,
    }


def measure(base_url: str, concurrency: int = 1000, rounds: int = 2) -> dict[str, Any]:
    load_before = load_average()
    warm_up(base_url)
    result = asyncio.run(measure_async(base_url, concurrency, rounds))
    return {
        "what": "wall time of asyncio.gather over N streamed requests, one shared client per side",
        **result,
        "load_before": load_before,
        "load_after": load_average(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with bench_proxy() as proxy:
        print(json.dumps(measure(proxy.base_url, args.concurrency, args.rounds), indent=2))


if __name__ == "__main__":
    main()
