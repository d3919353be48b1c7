"""Item 2: the adapter against the raw ``openai`` client, both calling the real LiteLLM proxy.

Same requests as item 1 (the kwargs come from ``build_request``), now over real HTTP to a real
proxy on 127.0.0.1, sequential, non-streaming and streaming; wall time, blocks alternating.
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
from clawdbot_litellm.request import build_request

from ._common import Summary, alternate, load_average, paired_ratio, ratio
from ._fixtures import ANSWER, API_KEY, PROMPT, REF, environ, write_config
from ._proxy import bench_proxy
from .sdk import warm_up

TARGET = 1.02


def _wall(run: Callable[[int], None], n: int) -> Callable[[], float]:
    def measure() -> float:
        start = time.perf_counter()
        run(n)
        return time.perf_counter() - start

    return measure


def measure(base_url: str, requests: int = 500, rounds: int = 10) -> dict[str, Any]:
    load_before = load_average()
    warm_up(base_url)
    with tempfile.TemporaryDirectory(prefix="clawdbot-bench-") as tmp:
        path = write_config(Path(tmp) / "clawdbot.json", base_url)
        config = load_config(path, environ=environ(path))
    client = Client(config, max_retries=0)
    raw = openai.OpenAI(
        base_url=config.providers["litellm"].api_base, api_key=API_KEY, max_retries=0
    )
    model = config.resolve(REF).model
    chat_kwargs = build_request(model, PROMPT, ref=REF).kwargs
    stream_kwargs = build_request(model, PROMPT, stream=True, ref=REF).kwargs

    def adapter_chat(n: int) -> None:
        for _ in range(n):
            assert client.chat(PROMPT, model=REF).text == ANSWER

    def raw_chat(n: int) -> None:
        for _ in range(n):
            completion = raw.chat.completions.create(**chat_kwargs)
            assert completion.choices[0].message.content == ANSWER

    def adapter_stream(n: int) -> None:
        for _ in range(n):
            stream = client.stream(PROMPT, model=REF)
            for _event in stream:
                pass
            assert stream.result.text == ANSWER

    def raw_stream(n: int) -> None:
        for _ in range(n):
            parts = []
            for chunk in raw.chat.completions.create(**stream_kwargs):
                if chunk.choices and chunk.choices[0].delta.content:
                    parts.append(chunk.choices[0].delta.content)
            assert "".join(parts) == ANSWER

    sides = {
        "chat": (adapter_chat, raw_chat),
        "stream": (adapter_stream, raw_stream),
    }
    out: dict[str, Any] = {
        "what": "wall time per block of sequential requests against the real proxy",
        "load_before": load_before,
    }
    try:
        for kind, (adapter, baseline) in sides.items():
            per_round = max(requests // rounds, 1)
            adapter(10)
            baseline(10)
            results = alternate(
                {"adapter": _wall(adapter, per_round), "raw": _wall(baseline, per_round)}, rounds
            )
            value = ratio(results, "adapter", "raw")
            out[kind] = {
                "requests_per_side": per_round * rounds,
                "adapter": Summary.of(results["adapter"]).as_dict(per_round),
                "raw": Summary.of(results["raw"]).as_dict(per_round),
                "ratio": value,
                "paired_ratio": paired_ratio(results, "adapter", "raw"),
                "target": TARGET,
                "ok": value <= TARGET,
            }
    finally:
        client.close()
        raw.close()
    out["load_after"] = load_average()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with bench_proxy() as proxy:
        print(json.dumps(measure(proxy.base_url, args.requests, args.rounds), indent=2))


if __name__ == "__main__":
    main()
