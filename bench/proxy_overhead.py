"""Item 2: the adapter against the raw ``openai`` client, both calling the real LiteLLM proxy.

Same requests as item 1 (the kwargs come from ``build_request``), now over real HTTP to a real
proxy on 127.0.0.1, sequential, non-streaming and streaming; wall time, and beside it the client
process's CPU time (item 1's measure, with real HTTP and a real proxy's answers). By default
every round is one request per side, in turn: the proxy finishes each request's logging after it
has answered, which slows whichever request comes next, so sides must take turns request by request
(in blocks of ten requests, two identical raw clients came out 0.955 to 1.031 apart over three runs;
taking turns request by request, 0.998 to 1.003).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai

from clawdbot_litellm import Client, load_config
from clawdbot_litellm.client import create_kwargs
from clawdbot_litellm.request import build_request

from ._common import alternate, compared, load_average
from ._fixtures import ANSWER, API_KEY, PROMPT, REF, environ, write_config
from ._proxy import bench_proxy
from .sdk import warm_up

TARGET = 1.02
CPU_TARGET = 1.05  # item 1's target, here for the client's CPU against a real proxy


def _timed(run: Callable[[int], None], n: int, cpu: list[float]) -> Callable[[], float]:
    """Wall time, returned; the client process's CPU time, kept in ``cpu`` (the proxy runs in
    its own process, so none of its work is in it)."""

    def measure() -> float:
        start, start_cpu = time.perf_counter(), time.process_time()
        run(n)
        cpu.append(time.process_time() - start_cpu)
        return time.perf_counter() - start

    return measure


def _raw_sides(
    raw: openai.OpenAI, chat_kwargs: dict[str, Any], stream_kwargs: dict[str, Any]
) -> dict[str, Callable[[int], None]]:
    def chat(n: int) -> None:
        for _ in range(n):
            completion = raw.chat.completions.create(**chat_kwargs)
            assert completion.choices[0].message.content == ANSWER

    def stream(n: int) -> None:
        for _ in range(n):
            parts = []
            for chunk in raw.chat.completions.create(**stream_kwargs):
                if chunk.choices and chunk.choices[0].delta.content:
                    parts.append(chunk.choices[0].delta.content)
            assert "".join(parts) == ANSWER

    return {"chat": chat, "stream": stream}


def measure(base_url: str, requests: int = 500, rounds: int = 500) -> dict[str, Any]:
    """Adapter, raw client and a second raw client (the A/A control), blocks rotating."""
    load_before = load_average()
    warm_up(base_url)
    with tempfile.TemporaryDirectory(prefix="clawdbot-bench-") as tmp:
        path = write_config(Path(tmp) / "clawdbot.json", base_url)
        config = load_config(path, environ=environ(path))
    client = Client(config, max_retries=0)
    api_base = config.providers["litellm"].api_base
    raws = [openai.OpenAI(base_url=api_base, api_key=API_KEY, max_retries=0) for _ in range(2)]
    model = config.resolve(REF).model
    chat_kwargs = create_kwargs(build_request(model, PROMPT, ref=REF))
    stream_kwargs = create_kwargs(build_request(model, PROMPT, stream=True, ref=REF))

    def adapter_chat(n: int) -> None:
        for _ in range(n):
            assert client.chat(PROMPT, model=REF).text == ANSWER

    def adapter_stream(n: int) -> None:
        for _ in range(n):
            stream = client.stream(PROMPT, model=REF)
            for _event in stream:
                pass
            assert stream.result.text == ANSWER

    def adapter_chat_reading_proxy(n: int) -> None:
        for _ in range(n):
            result = client.chat(PROMPT, model=REF)
            assert result.text == ANSWER
            assert result.proxy is not None
            assert result.proxy.call_id

    raw_sides = [_raw_sides(raw, chat_kwargs, stream_kwargs) for raw in raws]
    sides = {
        "adapter": {
            "chat": adapter_chat,
            "stream": adapter_stream,
            "chat_reading_proxy": adapter_chat_reading_proxy,
        },
        # The raw client reads no header: what the adapter costs a caller who reads them all.
        "raw": {**raw_sides[0], "chat_reading_proxy": raw_sides[0]["chat"]},
        "control": {**raw_sides[1], "chat_reading_proxy": raw_sides[1]["chat"]},
    }
    out: dict[str, Any] = {
        "what": "wall time per block of sequential requests against the real proxy, and the "
        "client's CPU time (client_cpu); control = a second raw client",
        "load_before": load_before,
    }
    try:
        for kind in ("chat", "stream", "chat_reading_proxy"):
            per_round = max(requests // rounds, 1)
            for side in sides.values():
                side[kind](10)
            cpu: dict[str, list[float]] = {name: [] for name in sides}
            results = alternate(
                {name: _timed(side[kind], per_round, cpu[name]) for name, side in sides.items()},
                rounds,
                collect=per_round > 1,
            )
            out[kind] = compared(results, per_round, TARGET)
            out[kind]["client_cpu"] = compared(cpu, per_round, CPU_TARGET)
    finally:
        client.close()
        for raw in raws:
            raw.close()
    out["load_after"] = load_average()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=500)
    args = parser.parse_args()
    with bench_proxy() as proxy:
        print(json.dumps(measure(proxy.base_url, args.requests, args.rounds), indent=2))


if __name__ == "__main__":
    main()
