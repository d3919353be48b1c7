"""What every benchmark shares: alternating rounds, medians, the machine, the results file."""

from __future__ import annotations

import datetime as _dt
import functools
import gc
import itertools
import json
import math
import os
import platform
import statistics
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"
PROXY_VENV = Path("/opt/venvs/litellm-proxy")


@dataclass(frozen=True)
class Summary:
    """Median and spread of one side's per-round measurements (seconds)."""

    median: float
    low: float
    high: float
    rounds: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        return cls(statistics.median(values), min(values), max(values), len(values))

    def as_dict(self, per: int = 1) -> dict[str, float | int]:
        """Seconds per round, and per item when ``per`` items ran in each round."""
        out: dict[str, float | int] = {
            "median_s": self.median,
            "min_s": self.low,
            "max_s": self.high,
            "rounds": self.rounds,
        }
        if per > 1:
            out["median_per_item_us"] = self.median / per * 1e6
        return out


def round_order(names: Sequence[str], round_index: int) -> list[str]:
    """The order of the sides in one round, cycling through every order of up to four sides.

    Drift hits each side alike, and each side follows every other side equally often: a side's
    time depends on what ran just before it (what that left in the caches), and a plain
    rotation (A B C, B C A, C A B) always runs A after C. More than four sides (24 orders and
    up) fall back to the rotation.
    """
    if len(names) > 4:
        shift = round_index % len(names)
        return [*names[shift:], *names[:shift]]
    orders = _orders(tuple(names))
    return list(orders[round_index % len(orders)])


@functools.cache
def _orders(names: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(itertools.permutations(names))


def alternate(
    cases: Mapping[str, Callable[[], float]], rounds: int, collect: bool = True
) -> dict[str, list[float]]:
    """Run every case once per round in rotating order; each case returns what it measured.

    ``collect`` runs the garbage collector before each case, so no side pays for another's
    garbage; rounds of single requests skip it (a collection takes longer than a request).
    """
    results: dict[str, list[float]] = {name: [] for name in cases}
    for index in range(rounds):
        for name in round_order(list(cases), index):
            if collect:
                gc.collect()
            results[name].append(cases[name]())
    return results


def ratio(results: Mapping[str, Sequence[float]], top: str, bottom: str) -> float:
    """Ratio of medians, and the figure each target is judged on."""
    return statistics.median(results[top]) / statistics.median(results[bottom])


def round_ratios(results: Mapping[str, Sequence[float]], top: str, bottom: str) -> list[float]:
    """top/bottom within each round: their median is the paired ratio, robust when the
    machine's speed drifts between rounds."""
    return [a / b for a, b in zip(results[top], results[bottom], strict=True)]


def median_interval(values: Sequence[float], z: float = 1.96) -> tuple[float, float]:
    """A distribution-free 95% confidence interval of the median (order statistics; the
    binomial's normal approximation): what the paired ratio could be given these rounds."""
    ordered = sorted(values)
    n = len(ordered)
    half = z * math.sqrt(n) / 2
    low, high = max(math.floor(n / 2 - half), 0), min(math.ceil(n / 2 + half), n - 1)
    return ordered[low], ordered[high]


def compared(
    results: Mapping[str, Sequence[float]], per_round: int, target: float
) -> dict[str, Any]:
    """Adapter against raw, as every ratio of items 1 and 2 is reported.

    Judged on the paired ratio (the median of per-round ratios: sides that ran back to back are
    compared, so the machine's drift cancels), with its 95% confidence interval. The ratio of
    medians and of the best rounds are kept beside it, and when a ``control`` side ran (a second
    raw client) its paired ratio to raw says how much of a difference noise alone makes on this
    machine, in this run. When a ``post`` side ran (the raw client sending the adapter's body
    the way the adapter sends it), the adapter's paired ratio to it is what the adapter's own
    code costs on the same path through ``openai``.
    """
    adapter, raw = results["adapter"], results["raw"]
    paired = round_ratios(results, "adapter", "raw")
    out: dict[str, Any] = {
        "requests_per_side": per_round * len(adapter),
        "adapter": Summary.of(adapter).as_dict(per_round),
        "raw": Summary.of(raw).as_dict(per_round),
        "paired_ratio": statistics.median(paired),
        "paired_ratio_ci95": median_interval(paired),
        "ratio": ratio(results, "adapter", "raw"),
        "best_ratio": min(adapter) / min(raw),
        "target": target,
        "judged_on": "paired_ratio",
    }
    if "control" in results:
        out["control_paired_ratio"] = statistics.median(round_ratios(results, "control", "raw"))
        out["control_ratio"] = ratio(results, "control", "raw")
    if "post" in results:
        posting = round_ratios(results, "adapter", "post")
        out["post_paired_ratio"] = statistics.median(posting)
        out["post_paired_ratio_ci95"] = median_interval(posting)
    out["ok"] = out["paired_ratio"] <= target
    return out


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": {
            name: _version(name)
            for name in ("clawdbot-litellm", "openai", "httpx2", "pydantic", "pyjson5", "click")
        },
    }


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def command_line() -> str:
    """How this run was started, as a person would type it."""
    script = sys.argv[0]
    if script.endswith("__main__.py"):
        script = "-m bench"
    elif Path(script).is_absolute():
        script = str(Path(script).relative_to(REPO)) if REPO in Path(script).parents else script
    return " ".join(["python", script, *sys.argv[1:]])


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def fmt_us(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} µs"
