"""The results as the Markdown table that ``bench/README.md`` shows."""

from __future__ import annotations

from typing import Any

TIMES = "\N{MULTIPLICATION SIGN}"


def _ok(flag: bool | None) -> str:
    if flag is None:
        return "-"
    return "pass" if flag else "**over target**"


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} µs"


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms"


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _ratio(item: dict[str, Any]) -> str:
    text = f"**{item['paired_ratio']:.3f}** paired"
    if "paired_ratio_ci95" in item:
        low, high = item["paired_ratio_ci95"]
        text += f" (95%: {low:.3f}-{high:.3f}; of medians {item['ratio']:.3f}"
    else:
        text += f" (of medians {item['ratio']:.3f}"
    if "control_paired_ratio" in item:
        text += f"; A/A control {item['control_paired_ratio']:.3f}"
    if "post_paired_ratio" in item:
        low, high = item["post_paired_ratio_ci95"]
        text += (
            f"; against the raw client posting the same body {item['post_paired_ratio']:.3f},"
            f" 95%: {low:.3f}-{high:.3f}"
        )
    return text + ")"


def _verdict(item: dict[str, Any]) -> str:
    """Pass or over target; said to be within noise when the A/A control moved as much."""
    verdict = _ok(item["ok"])
    control = item.get("control_paired_ratio")
    if control is not None and abs(control - 1) >= abs(item["target"] - 1):
        verdict += f" (noise: A/A {control:.3f})"
    return verdict


def _per_request(side: dict[str, Any], item: dict[str, Any]) -> float:
    per_round = item["requests_per_side"] / side["rounds"]
    return float(side["median_s"]) / per_round


def _compared_row(
    item_no: int | str, label: str, measure: str, item: dict[str, Any], unit: Any
) -> str:
    """One row of a side-by-side figure (``_common.compared``'s shape)."""
    return _row(
        item_no,
        label,
        measure,
        unit(_per_request(item["adapter"], item)),
        unit(_per_request(item["raw"], item)),
        _ratio(item),
        f"≤ {item['target']}",
        _verdict(item),
    )


def _overhead_rows(data: dict[str, Any]) -> list[str]:
    items: list[tuple[str, dict[str, Any] | None]] = []
    for mode in ("sync", "async"):
        for kind in ("chat", "stream"):
            label = "non-streaming" if kind == "chat" else "streaming"
            items.append((f"{mode} {label}", data[mode][kind]))
    items.append(
        (
            "sync streamed answer with two tool calls",
            data.get("tool_calls", {}).get("stream_tool_calls"),
        )
    )
    items.append(
        (
            "sync non-streaming, every answer with LiteLLM's x-litellm-* headers read into "
            "ChatResult.proxy",
            data.get("sync_litellm_headers", {}).get("chat"),
        )
    )
    items.append(
        (
            "sync non-streaming, a ten-message conversation",
            data.get("sync_history", {}).get("chat"),
        )
    )
    return [
        _compared_row(
            1,
            f"Adapter overhead, {label} ({item['requests_per_side']:,} requests, mock transport)",
            "CPU per request",
            item,
            _us,
        )
        for label, item in items
        if item is not None
    ]


_PROXY_KINDS = {
    "chat": "non-streaming",
    "stream": "streaming",
    "chat_reading_proxy": "non-streaming, the caller reading ChatResult.proxy",
}


def _proxy_rows(data: dict[str, Any]) -> list[str]:
    rows = []
    for kind, label in _PROXY_KINDS.items():
        item = data.get(kind)
        if item is None:
            continue
        if kind != "chat_reading_proxy":  # its wall time is the chat row's, with a parse
            rows.append(
                _compared_row(
                    2,
                    f"Real LiteLLM proxy, {label} ({item['requests_per_side']:,} requests)",
                    "wall per request",
                    item,
                    _ms,
                )
            )
        if "client_cpu" in item:
            rows.append(
                _compared_row(
                    "1, 2",
                    f"Real LiteLLM proxy, {label}: the client's own CPU",
                    "CPU per request",
                    item["client_cpu"],
                    _us,
                )
            )
    return rows


def _startup_rows(data: dict[str, Any]) -> list[str]:
    commands = data["commands"]
    openai_s = commands["python -c 'import openai'"]["median_s"]
    base_s = commands["python -c pass"]["median_s"]
    rows = []
    for name, item in commands.items():
        if "ratio_to_import_openai" not in item:
            continue
        note = "imports openai!" if item["imports_openai"] else "no openai import"
        rows.append(
            _row(
                3,
                f"Start-up: `{name}` ({note})",
                "wall, fresh process",
                _ms(item["median_s"]),
                f"`import openai` {_ms(openai_s)}; `pass` {_ms(base_s)}",
                f"**{item['paired_ratio_to_import_openai']:.2f}** paired (of medians "
                f"{item['ratio_to_import_openai']:.2f}; net of `pass` "
                f"{item['net_ratio_to_import_openai']:.2f})",
                f"≤ {item['target']}",
                _verdict(item),
            )
        )
    return rows


def _scale_rows(data: dict[str, Any]) -> list[str]:
    rows = []
    growth = {g["to"]: g for g in data["growth"]}
    target = data["target"]
    for size in data["sizes"]:
        n = size["models"]
        step = growth.get(n)
        grew = (
            f"{TIMES}{step['time_ratio']:.1f} time, {TIMES}{step['memory_ratio']:.1f} memory "
            f"for {TIMES}10 models"
            if step
            else "-"
        )
        judged = target["models"] == n
        limit = f"≤ {target['max_s'] * 1000:.0f} ms" if judged else "linear"
        verdict = size["wall_median_s"] <= target["max_s"] if judged else data["linear"]
        rows.append(
            _row(
                4,
                f"Config scale: {n:,} models ({size['file_kib']:,.0f} KiB)",
                "load + validate + resolve; peak memory",
                f"{_ms(size['wall_median_s'])}; {size['tracemalloc_peak_kib'] / 1024:,.1f} MiB",
                grew,
                f"{size['per_model_us']:.0f} µs/model",
                limit,
                _ok(verdict),
            )
        )
    return rows


def _concurrency_rows(data: dict[str, Any]) -> list[str]:
    def side(s: dict[str, Any]) -> str:
        return (
            f"{s['throughput_rps']:.1f} req/s; {s['errors']} errors; "
            f"{s['peak_connections']} / {s['connections_after']}"
        )

    return [
        _row(
            5,
            f"{data['concurrency']:,} concurrent async streams, one shared client, real proxy",
            "throughput; errors; peak / idle connections",
            side(data["adapter"]),
            side(data["raw"]),
            f"**{data['throughput_ratio']:.3f}** paired (of medians "
            f"{data['ratio_of_medians']:.3f}; A/A control {data['control_throughput_ratio']:.3f})",
            f"≥ {data['target']}, 0 errors, ≤ pool max {data.get('pool_max_connections')}",
            _ok(data["ok"]),
        )
    ]


def _sdk_rows(data: dict[str, Any]) -> list[str]:
    labels = {
        "import_s": "import (+ set-up), fresh process",
        "first_request_s": "first request, fresh process",
        "per_request_s": "per request, warm",
    }
    return [
        _row(
            6,
            f"LiteLLM SDK vs ours: {label}",
            "wall",
            f"ours {_ms(data[key]['ours'])}",
            f"LiteLLM {_ms(data[key]['litellm'])}",
            f"{data['ratios'][key]:.2f} (LiteLLM / ours)",
            "report",
            "-",
        )
        for key, label in labels.items()
    ]


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    packages = m["packages"]
    lines = [
        f"Measured {results['date']} on {m['nproc']} {TIMES} {m['cpu']}, "
        f"{m['implementation']} {m['python']}, {m['platform']}; openai {packages['openai']}, "
        f"httpx2 {packages['httpx2']}, pydantic {packages['pydantic']}.",
        f"Command: `{results['command']}` ({results.get('total_seconds', '?')} s). "
        f"Load average at start {results['load_at_start']}, at end {results['load_at_end']}.",
        *(
            f"Re-measured {r['date']}: {', '.join(r['items'])} (`{r['command']}`; load average "
            f"at start {r['load_at_start']}, at end {r['load_at_end']})."
            for r in results.get("refreshed", [])
        ),
        "",
        _row("#", "Benchmark", "Measure", "Ours", "Baseline", "Ratio", "Target", "Verdict"),
        _row(*["---"] * 8),
    ]
    builders = {
        "overhead": _overhead_rows,
        "proxy_overhead": _proxy_rows,
        "startup": _startup_rows,
        "config_scale": _scale_rows,
        "concurrency": _concurrency_rows,
        "sdk": _sdk_rows,
    }
    for name, build in builders.items():
        if name in results:
            lines.extend(build(results[name]))
    return "\n".join(lines) + "\n"
