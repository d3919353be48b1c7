"""Items 4 and 7: loading, validating and resolving configs of 10 to 10,000 model definitions.

Each size is a file as onboarding and ``models sync`` grow it: one ``litellm`` provider whose
models carry costs, windows and compat flags, an alias for every model, the key as a ``${VAR}``.
Timed: ``load_config`` (read, JSON5, includes, env, ``${VAR}``, schema, providers), then
``check()`` (refs, aliases, windows) and resolving the last model's ref. Sizes run in rotating
order for several rounds; medians. Memory: the ``tracemalloc`` peak of the same work (Python
allocations; the process's peak RSS moves in steps too coarse to compare sizes).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import itertools
import json
import math
import pstats
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from clawdbot_litellm import load_config

from ._common import RESULTS, load_average, round_order

SIZES = (10, 100, 1_000, 10_000)
TARGET_SIZE = 1_000
TARGET_SECONDS = 0.050
# Log-log slopes above which growth is called worse than linear: counted work (calls, bytes)
# must scale exactly; time may scale a little worse, as the working set outgrows the CPU caches
# (8 MiB at 1,000 models, 80 MiB at 10,000): 1.15 is x14 time for x10 models.
WORK_SLOPE = 1.02
LINEAR_SLOPE = 1.15
ENV = {"LITELLM_API_KEY": "sk-bench-0123456789abcdef"}


def model_definition(index: int) -> dict[str, Any]:
    reasoning = index % 5 == 0
    return {
        "id": f"team-{index // 100:03d}/model-{index:05d}",
        "name": f"Model {index}",
        "reasoning": reasoning,
        "input": ["text", "image"] if index % 3 == 0 else ["text"],
        "cost": {"input": 0.5 + index % 7, "output": 1.5 + index % 11, "cacheRead": 0.1},
        "contextWindow": 128_000 + (index % 4) * 32_000,
        "maxTokens": 8_192,
        "compat": {"supportsStore": False, "supportsReasoningEffort": reasoning},
    }


def document(size: int) -> dict[str, Any]:
    models = [model_definition(i) for i in range(size)]
    refs = [f"litellm/{m['id']}" for m in models]
    return {
        "agents": {
            "defaults": {
                "model": {"primary": refs[0], "fallbacks": refs[1:3]},
                "models": {ref: {"alias": f"m{i}"} for i, ref in enumerate(refs)},
            }
        },
        "models": {
            "mode": "merge",
            "providers": {
                "litellm": {
                    "baseUrl": "http://127.0.0.1:4000",
                    "apiKey": "${LITELLM_API_KEY}",
                    "api": "openai-completions",
                    "models": models,
                }
            },
        },
    }


def write_configs(directory: Path, sizes: tuple[int, ...]) -> dict[int, Path]:
    paths = {}
    for size in sizes:
        path = directory / f"clawdbot-{size}.json"
        path.write_text(json.dumps(document(size), indent=2) + "\n", encoding="utf-8")
        paths[size] = path
    return paths


def load_check_resolve(path: Path, size: int) -> None:
    """The measured work; asserts so a broken config cannot pass as a fast one."""
    config = load_config(path, environ=ENV)
    problems = config.check()
    last = f"litellm/team-{(size - 1) // 100:03d}/model-{size - 1:05d}"
    target = config.resolve(last)
    assert not problems, problems
    assert len(config.providers["litellm"].models) == size
    assert target.model.id == last.split("/", 1)[1]


def _timed(path: Path, size: int) -> tuple[float, float]:
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    load_check_resolve(path, size)
    return time.perf_counter() - wall, time.process_time() - cpu


def python_calls(path: Path, size: int) -> int:
    """Python function calls the work makes: a count of work that no other process can skew."""
    profile = cProfile.Profile()
    profile.enable()
    load_check_resolve(path, size)
    profile.disable()
    return sum(int(row[1]) for row in pstats.Stats(profile).stats.values())  # type: ignore[attr-defined]


def tracemalloc_peak(path: Path, size: int) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        load_check_resolve(path, size)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def slope(x0: float, y0: float, x1: float, y1: float) -> float:
    return math.log(y1 / y0) / math.log(x1 / x0)


def run(
    rounds: int = 7, sizes: tuple[int, ...] = SIZES, plot: Path | None = None
) -> dict[str, Any]:
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="clawdbot-bench-") as tmp:
        paths = write_configs(Path(tmp), sizes)
        file_bytes = {size: paths[size].stat().st_size for size in sizes}
        for size in sizes:  # warm-up: imports, pydantic's first validation
            load_check_resolve(paths[size], size)
        wall: dict[int, list[float]] = {size: [] for size in sizes}
        cpu: dict[int, list[float]] = {size: [] for size in sizes}
        for index in range(rounds):
            for size in round_order(list(sizes), index):
                w, c = _timed(paths[size], size)
                wall[size].append(w)
                cpu[size].append(c)
        peaks = {size: tracemalloc_peak(paths[size], size) for size in sizes}
        calls = {size: python_calls(paths[size], size) for size in sizes}
    rows = []
    for size in sizes:
        median = statistics.median(wall[size])
        rows.append(
            {
                "models": size,
                "file_kib": round(file_bytes[size] / 1024, 1),
                "wall_median_s": median,
                "wall_min_s": min(wall[size]),
                "cpu_median_s": statistics.median(cpu[size]),
                "per_model_us": median / size * 1e6,
                "tracemalloc_peak_kib": round(peaks[size] / 1024, 1),
                "python_calls": calls[size],
            }
        )
    growth = []
    for a, b in itertools.pairwise(rows):
        growth.append(
            {
                "from": a["models"],
                "to": b["models"],
                "time_ratio": b["wall_median_s"] / a["wall_median_s"],
                "time_slope": slope(
                    a["models"], a["wall_median_s"], b["models"], b["wall_median_s"]
                ),
                "calls_ratio": b["python_calls"] / a["python_calls"],
                "calls_slope": slope(
                    a["models"], a["python_calls"], b["models"], b["python_calls"]
                ),
                "memory_ratio": b["tracemalloc_peak_kib"] / a["tracemalloc_peak_kib"],
                "memory_slope": slope(
                    a["models"], a["tracemalloc_peak_kib"], b["models"], b["tracemalloc_peak_kib"]
                ),
            }
        )
    # Fixed costs dominate small files; linearity is judged where the models dominate.
    judged = [g for g in growth if g["from"] >= 100]
    work_linear = all(
        g["calls_slope"] <= WORK_SLOPE and g["memory_slope"] <= WORK_SLOPE for g in judged
    )
    linear = work_linear and all(g["time_slope"] <= LINEAR_SLOPE for g in judged)
    at_target = next((r for r in rows if r["models"] == TARGET_SIZE), None)
    result: dict[str, Any] = {
        "what": "load_config + check() + resolve(last ref): wall median of rotating rounds",
        "rounds": rounds,
        "sizes": rows,
        "growth": growth,
        "work_linear": work_linear,
        "linear": linear,
        "slope_limits": {"work": WORK_SLOPE, "time": LINEAR_SLOPE},
        "target": {"models": TARGET_SIZE, "max_s": TARGET_SECONDS},
        "ok": linear and at_target is not None and at_target["wall_median_s"] <= TARGET_SECONDS,
        "load_before": load_before,
        "load_after": load_average(),
    }
    if plot is not None:
        draw(rows, plot)
        result["plot"] = str(plot)
    return result


def draw(rows: list[dict[str, Any]], path: Path) -> None:
    """Load time against model count (log-log, with the target and a linear reference), and
    the time per model, which a linear load keeps flat."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["models"] for r in rows]
    times = [r["wall_median_s"] * 1000 for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2), dpi=120)
    left.loglog(sizes, times, "o-", label="median: load + validate + resolve")
    left.loglog(sizes, [r["wall_min_s"] * 1000 for r in rows], ".", color="grey", label="fastest")
    anchor = next((r for r in rows if r["models"] == TARGET_SIZE), rows[-1])
    reference = [anchor["wall_median_s"] * 1000 * s / anchor["models"] for s in sizes]
    left.loglog(sizes, reference, "--", color="grey", linewidth=0.8, label="linear (through 1k)")
    left.plot([TARGET_SIZE], [TARGET_SECONDS * 1000], "v", color="tab:red", label="target")
    left.annotate(
        f"target: {TARGET_SIZE:,} models in {TARGET_SECONDS * 1000:.0f} ms",
        (TARGET_SIZE, TARGET_SECONDS * 1000),
        textcoords="offset points",
        xytext=(-150, 6),
        color="tab:red",
        fontsize=8,
    )
    for size, ms in zip(sizes, times, strict=True):
        left.annotate(
            f"{ms:.1f} ms", (size, ms), textcoords="offset points", xytext=(6, -10), fontsize=8
        )
    left.set_xlabel("model definitions in the config")
    left.set_ylabel("time (ms)")
    left.set_title("config load time")
    left.grid(True, which="both", linewidth=0.3)
    left.legend(fontsize=8, loc="lower right")

    right.semilogx(sizes, [r["per_model_us"] for r in rows], "o-", color="tab:green")
    right.set_ylim(bottom=0)
    right.set_xlabel("model definitions in the config")
    right.set_ylabel("µs per model definition")
    right.set_title("time per model (flat = linear)")
    right.grid(True, which="both", linewidth=0.3)
    fig.suptitle("clawdbot-litellm: load_config + check + resolve, median of rotating rounds")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--plot", type=Path, default=RESULTS / "config_scale.png")
    args = parser.parse_args()
    print(json.dumps(run(args.rounds, plot=args.plot), indent=2))


if __name__ == "__main__":
    main()
