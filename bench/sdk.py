"""Item 6: LiteLLM's own Python SDK against the adapter, calling the same real proxy.

Both sides run as worker processes (``_sdk_worker.py``): ours in this virtualenv, LiteLLM's in
the proxy's. Cold start: a fresh worker per round reports its import (and set-up) time and its
first request; rounds alternate the sides. Steady state: one persistent worker per side sends
blocks of sequential requests, alternating; wall time per request. Ratios are LiteLLM over ours.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from ._common import BENCH_DIR, load_average, round_order
from ._fixtures import ANSWER, API_KEY, MODEL, PROMPT, write_config
from ._proxy import bench_proxy, proxy_python

WORKER = BENCH_DIR / "_sdk_worker.py"


class Worker:
    """One side's worker process; ``block(n)`` times n sequential requests in it."""

    def __init__(self, side: str, base_url: str, config: Path, home: Path) -> None:
        python = str(proxy_python()) if side == "litellm" else sys.executable
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LITELLM_TELEMETRY_DISABLED": "true",
            "LITELLM_DONT_SHOW_FEEDBACK_BOX": "true",
            "LITELLM_LOG": "ERROR",
            "NO_PROXY": "*",
        }
        argv = [python, str(WORKER), side, base_url, API_KEY, MODEL, PROMPT, ANSWER, str(config)]
        self.process = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=home
        )
        self.ready = self._read()

    def _read(self) -> dict[str, Any]:
        stdout: IO[str] | None = self.process.stdout
        assert stdout is not None
        for line in stdout:  # LiteLLM may print its own lines; ours are JSON objects
            if line.startswith("{"):
                data: dict[str, Any] = json.loads(line)
                return data
        raise RuntimeError(f"worker exited with code {self.process.wait()}")

    def block(self, count: int) -> float:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{count}\n")
        self.process.stdin.flush()
        data = self._read()
        if not data["ok"]:
            raise AssertionError("a worker got an unexpected answer")
        return float(data["seconds"])

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.write("quit\n")
            self.process.stdin.flush()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


SIDES = ("ours", "litellm")


def warm_up(base_url: str) -> None:
    """The proxy's first chat pays its own lazy imports (~1 s): never charge it to a side."""
    import openai

    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key=API_KEY, max_retries=0)
    for stream in (False, True):
        answer = client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": PROMPT}], stream=stream
        )
        if stream:
            for _chunk in answer:
                pass
    client.close()


def measure(
    base_url: str, cold_rounds: int = 5, requests: int = 300, rounds: int = 30
) -> dict[str, Any]:
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="clawdbot-bench-") as tmp:
        home = Path(tmp)
        config = write_config(home / "clawdbot.json", base_url)
        warm_up(base_url)
        cold: dict[str, dict[str, list[float]]] = {
            s: {"import_s": [], "first_s": []} for s in SIDES
        }
        for index in range(cold_rounds):
            for side in round_order(list(SIDES), index):
                worker = Worker(side, base_url, config, home)
                worker.close()
                if not worker.ready["ok"]:
                    raise AssertionError(f"{side}: unexpected first answer")
                for key in ("import_s", "first_s"):
                    cold[side][key].append(worker.ready[key])
        workers = {side: Worker(side, base_url, config, home) for side in SIDES}
        try:
            per_round = max(requests // rounds, 1)
            for worker in workers.values():
                worker.block(10)  # warm-up
            steady: dict[str, list[float]] = {side: [] for side in SIDES}
            for index in range(rounds):
                for side in round_order(list(SIDES), index):
                    steady[side].append(workers[side].block(per_round))
        finally:
            for worker in workers.values():
                worker.close()

    def med(values: list[float]) -> float:
        return statistics.median(values)

    out: dict[str, Any] = {
        "what": "wall time; cold = fresh process (import + set-up, then first request), "
        "steady = persistent process, sequential requests; ratios are LiteLLM SDK / ours",
        "ours": "clawdbot_litellm.Client(load_config(...)).chat(...)",
        "litellm": f"litellm.completion(model='litellm_proxy/{MODEL}', api_base=<proxy>)",
        "import_s": {s: med(cold[s]["import_s"]) for s in SIDES},
        "first_request_s": {s: med(cold[s]["first_s"]) for s in SIDES},
        "per_request_s": {s: med(steady[s]) / per_round for s in SIDES},
        "cold_rounds": cold_rounds,
        "steady_requests_per_side": per_round * rounds,
        "steady_rounds": rounds,
        "load_before": load_before,
        "load_after": load_average(),
    }
    out["ratios"] = {
        key: out[key]["litellm"] / out[key]["ours"]
        for key in ("import_s", "first_request_s", "per_request_s")
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--cold-rounds", type=int, default=5)
    args = parser.parse_args()
    with bench_proxy() as proxy:
        print(
            json.dumps(
                measure(proxy.base_url, args.cold_rounds, args.requests, args.rounds), indent=2
            )
        )


if __name__ == "__main__":
    main()
