"""Item 3: how long the CLI takes to start, against ``import openai`` and an empty interpreter.

Each command runs as a fresh process with a throwaway config and HOME (no network, nothing
inherited), in rotating order for several rounds; wall time, medians. A second run of each
command under ``-X importtime`` says whether it imported ``openai`` at all.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ._common import load_average, round_order
from ._fixtures import write_config

TARGET = 0.3  # each non-network command: at most this fraction of `import openai`
CLI_MODULE = "clawdbot_litellm"


def commands(python: str) -> dict[str, list[str]]:
    """The measured commands. The CLI runs as ``python -m clawdbot_litellm`` (what the console
    script does, minus the script's own lookup, so both baselines start the same interpreter)."""
    cli = [python, "-m", CLI_MODULE]
    return {
        "python -c pass": [python, "-c", "pass"],
        "python -c 'import openai'": [python, "-c", "import openai"],
        "clawdbot-litellm --help": [*cli, "--help"],
        "clawdbot-litellm config get models.providers.litellm.baseUrl": [
            *cli,
            "config",
            "get",
            "models.providers.litellm.baseUrl",
        ],
        "clawdbot-litellm models list": [*cli, "models", "list"],
    }


OPENAI = "python -c 'import openai'"
BASELINES = ("python -c pass", OPENAI)


def environment(home: Path, config: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TERM")}
    return {
        **keep,
        "HOME": str(home),
        "CLAWDBOT_CONFIG_PATH": str(config),
        "LITELLM_API_KEY": "sk-bench-0123456789abcdef",
        "PYTHONDONTWRITEBYTECODE": "",
    }


def _time(argv: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done.returncode, done.stderr[-300:]


def imports_openai(argv: list[str], env: dict[str, str]) -> bool:
    """Whether the process imported ``openai`` (``-X importtime`` lists every module)."""
    done = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return any(line.split("|")[-1].strip() == "openai" for line in done.stderr.splitlines())


_PYDANTIC = "pydantic (with pydantic-core, annotated-types; its plugin discovery is stdlib)"
_GROUPS = {
    "pydantic": _PYDANTIC,
    "pydantic_core": _PYDANTIC,
    "annotated_types": _PYDANTIC,
    "typing_inspection": _PYDANTIC,
    "typing_extensions": _PYDANTIC,
    "clawdbot_litellm": "clawdbot_litellm (its own modules, incl. building its pydantic classes)",
}


def _group(module: str) -> str:
    top = module.split(".", maxsplit=1)[0]
    if top in _GROUPS:
        return _GROUPS[top]
    if top in sys.stdlib_module_names or top.startswith("_"):
        return "standard library"
    if top.startswith("__editable__"):
        return "editable-install finder (site)"
    return top


def import_profile(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    """Milliseconds of import by package (``-X importtime`` self times, so inflated by the
    tracing itself, but in proportion)."""
    done = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    totals: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = line[len("import time:") :].split("|", 2)
        group = _group(name.strip())
        totals[group] = totals.get(group, 0.0) + int(self_us) / 1000
    return {k: round(v, 1) for k, v in sorted(totals.items(), key=lambda kv: -kv[1])}


def run(rounds: int = 15, python: str | None = None) -> dict[str, Any]:
    python = python or sys.executable
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="clawdbot-bench-") as tmp:
        home = Path(tmp)
        config = write_config(home / "clawdbot.json")
        env = environment(home, config)
        argvs = commands(python)
        for argv in argvs.values():  # warm the page cache and any .pyc files
            _time(argv, env)
        times: dict[str, list[float]] = {name: [] for name in argvs}
        failures: dict[str, str] = {}
        for index in range(rounds):
            for name in round_order(list(argvs), index):
                seconds, code, err = _time(argvs[name], env)
                if code != 0:
                    failures[name] = f"exit {code}: {err.strip()}"
                times[name].append(seconds)
        openai_seen = {name: imports_openai(argv, env) for name, argv in argvs.items()}
        profiles = {
            name: import_profile(argvs[name], env)
            for name in argvs
            if name.startswith("clawdbot-litellm config") or name == OPENAI
        }
    base = statistics.median(times["python -c pass"])
    openai_time = statistics.median(times[OPENAI])
    rows: dict[str, Any] = {}
    for name, values in times.items():
        median = statistics.median(values)
        row: dict[str, Any] = {
            "median_s": median,
            "min_s": min(values),
            "max_s": max(values),
            "rounds": len(values),
            "imports_openai": openai_seen[name],
        }
        if name not in BASELINES:
            # Judged per round against the `import openai` of the same round (drift cancels).
            paired = statistics.median(t / o for t, o in zip(values, times[OPENAI], strict=True))
            row.update(
                paired_ratio_to_import_openai=paired,
                ratio_to_import_openai=median / openai_time,
                net_ratio_to_import_openai=(median - base) / (openai_time - base),
                target=TARGET,
                ok=paired <= TARGET and not openai_seen[name] and name not in failures,
            )
            if name in failures:
                row["failed"] = failures[name]
        rows[name] = row
    return {
        "what": "wall time of a fresh process, median of rotating rounds; "
        "net = minus `python -c pass`",
        "python": python,
        "commands": rows,
        "import_profile_ms": profiles,
        "load_before": load_before,
        "load_after": load_average(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    print(json.dumps(run(args.rounds), indent=2))


if __name__ == "__main__":
    main()
