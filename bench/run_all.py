"""Run every benchmark of issue 6 and write ``bench/results/latest.{json,md}`` and the plot.

    python -m bench              # everything, about 6-8 minutes on two cores
    python -m bench --quick      # small counts: checks the scripts work (about a minute)
    python -m bench --only overhead,startup
    python -m bench --only startup,config_scale --refresh   # re-measure two items in place

The live items (2, 5, 6) start one real LiteLLM proxy (``CLAWDBOT_LITELLM_PROXY`` or the proxy
virtualenv) through the package's launcher and stop it at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/run_all.py` as well as `python -m bench`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "bench"

from bench import concurrency, config_scale, overhead, proxy_overhead, sdk, startup
from bench._common import RESULTS, command_line, load_average, machine, now, write_json
from bench._proxy import bench_proxy
from bench.report import markdown

README = Path(__file__).resolve().parent / "README.md"
TABLE_START, TABLE_END = "<!-- bench:table:start -->", "<!-- bench:table:end -->"
QUIET = 0.7  # 1-minute load average below which the machine counts as quiet
ITEMS = ("overhead", "startup", "config_scale", "proxy_overhead", "concurrency", "sdk")
LIVE = frozenset({"proxy_overhead", "concurrency", "sdk"})

FULL: dict[str, dict[str, int]] = {
    "overhead": {"chat_n": 5000, "stream_n": 2000, "rounds": 1000},
    "startup": {"rounds": 15},
    "config_scale": {"rounds": 7},
    "proxy_overhead": {"requests": 500, "rounds": 500},
    "concurrency": {"concurrency": 1000, "rounds": 2},
    "sdk": {"cold_rounds": 5, "requests": 300, "rounds": 30},
}
QUICK: dict[str, dict[str, int]] = {
    "overhead": {"chat_n": 500, "stream_n": 200, "rounds": 4},
    "startup": {"rounds": 3},
    "config_scale": {"rounds": 2},
    "proxy_overhead": {"requests": 40, "rounds": 40},
    "concurrency": {"concurrency": 100, "rounds": 1},
    "sdk": {"cold_rounds": 1, "requests": 20, "rounds": 2},
}


def run(selected: list[str], quick: bool, out: Path) -> dict[str, Any]:
    settings = QUICK if quick else FULL
    results: dict[str, Any] = {
        "date": now(),
        "command": command_line(),
        "quick": quick,
        "machine": machine(),
        "load_at_start": load_average(),
        "settings": {name: settings[name] for name in selected},
        "seconds": {},
    }
    plot = out / "config_scale.png"
    local = {
        "overhead": lambda: overhead.run(**settings["overhead"]),
        "startup": lambda: startup.run(**settings["startup"]),
        "config_scale": lambda: config_scale.run(**settings["config_scale"], plot=plot),
    }
    for name in [n for n in selected if n in local]:
        results[name] = _timed(name, local[name], results)
    live = [n for n in selected if n in LIVE]
    if live:
        with bench_proxy() as proxy:
            runners = {
                "proxy_overhead": lambda: proxy_overhead.measure(
                    proxy.base_url, **settings["proxy_overhead"]
                ),
                "concurrency": lambda: concurrency.measure(
                    proxy.base_url, **settings["concurrency"]
                ),
                "sdk": lambda: sdk.measure(proxy.base_url, **settings["sdk"]),
            }
            for name in live:
                results[name] = _timed(name, runners[name], results)
    results["load_at_end"] = load_average()
    return results


def wait_quiet(limit: float) -> float:
    """Wait (at most ``limit`` seconds) until other work on the machine has calmed down."""
    start = time.monotonic()
    while time.monotonic() - start < limit and os.getloadavg()[0] >= QUIET:
        time.sleep(5)
    return round(time.monotonic() - start, 1)


def _timed(name: str, job: Any, results: dict[str, Any]) -> Any:
    print(f"[bench] {name} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    value = job()
    results["seconds"][name] = round(time.perf_counter() - start, 1)
    print(f"[bench] {name} done in {results['seconds'][name]} s", file=sys.stderr, flush=True)
    return value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small counts, to check the scripts")
    parser.add_argument("--only", default="", help=f"comma-separated subset of {','.join(ITEMS)}")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help=f"first wait up to this long for the 1-minute load average to fall below {QUIET}",
    )
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="with --only: replace those items in the existing latest.json (the others keep "
        "their figures, the table says which were re-measured when) and update the README table",
    )
    args = parser.parse_args(argv)
    selected = [n.strip() for n in args.only.split(",") if n.strip()] or list(ITEMS)
    unknown = sorted(set(selected) - set(ITEMS))
    if unknown:
        parser.error(f"unknown item(s) {', '.join(unknown)}; choose from {', '.join(ITEMS)}")
    waited = wait_quiet(args.wait_quiet)
    started = time.perf_counter()
    results = run(selected, args.quick, args.out)
    results["waited_for_quiet_s"] = waited
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    name = "quick" if args.quick else "latest"
    if args.refresh and not args.quick:
        results = refreshed(args.out / f"{name}.json", results, selected)
    write_json(args.out / f"{name}.json", results)
    table = markdown(results)
    (args.out / f"{name}.md").write_text(table, encoding="utf-8")
    complete = set(ITEMS) <= set(results)
    if not args.quick and complete and args.out == RESULTS:
        update_readme(README, table)
    print(table)


def refreshed(path: Path, fresh: dict[str, Any], selected: list[str]) -> dict[str, Any]:
    """The run stored at ``path`` with the ``selected`` items replaced by ``fresh`` ones."""
    import json

    stored: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for item in selected:
        stored[item] = fresh[item]
        stored["seconds"][item] = fresh["seconds"][item]
    stored.setdefault("refreshed", []).append(
        {
            "items": selected,
            "date": fresh["date"],
            "command": fresh["command"],
            "load_at_start": fresh["load_at_start"],
            "load_at_end": fresh["load_at_end"],
        }
    )
    return stored


def update_readme(readme: Path, table: str) -> None:
    """Put a full run's table between the markers in ``bench/README.md``."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < start:
        return
    readme.write_text(
        text[: start + len(TABLE_START)] + "\n" + table + text[end:], encoding="utf-8"
    )


if __name__ == "__main__":
    main()
