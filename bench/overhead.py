"""Item 1: CPU time of the adapter against the raw ``openai`` client, same bytes, same transport.

Both sides talk to one ``httpx2.MockTransport`` that answers canned responses, so only client-side
work is measured: for the raw client ``chat.completions.create(**kwargs)`` with the kwargs that
:func:`clawdbot_litellm.request.build_request` produces (the bench checks the two sides put the
same request on the wire), for the adapter ``Client.chat`` / ``Client.stream`` doing its whole
job (ref resolution, mapping, error wrapping, accumulation, cost).

Two controls say how far the figures can be trusted: a second raw client run as a third side
(an A/A ratio: what the machine's noise alone produces), and the adapter's own work, timed with
the real client's ``create`` answering from objects that client parsed once (what the adapter
adds per request when nothing else runs).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx2
import openai

from clawdbot_litellm import AsyncClient, Client, load_config
from clawdbot_litellm.config.resolve import ResolvedConfig
from clawdbot_litellm.request import build_request

from ._common import compared, load_average, round_order
from ._fixtures import (
    ANSWER,
    API_KEY,
    PROMPT,
    REF,
    TOOL_ARGUMENTS,
    WEATHER_TOOL,
    completion_body,
    environ,
    stream_body,
    tool_stream_body,
    write_config,
)

TARGET = 1.05
WARM_UP = 50  # requests per side before the timed rounds
SIDES = ("adapter", "raw", "control")
# Headers that carry per-request bookkeeping rather than what was asked.
VOLATILE_HEADERS = frozenset({"x-stainless-retry-count", "x-stainless-read-timeout"})


# What LiteLLM 1.108.7 sent with a non-streamed answer (measured; ids shortened): the headers the
# adapter turns into ``ChatResult.proxy`` on every request (issue 14's row).
LITELLM_HEADERS = {
    "x-litellm-call-id": "bd421ae5-7753-4cc5-926c-b9512e5bc9a0",
    "x-litellm-model-id": "60e12a61a38f8167c871c96678fc7c85b784e17373054bc5ae65db434abea7f7",
    "x-litellm-model-name": "openai/gpt-4",
    "x-litellm-model-api-base": "https://api.openai.com",
    "x-litellm-version": "1.108.7",
    "x-litellm-response-cost": "0.00033000000000000005",
    "x-litellm-response-cost-original": "0.00033000000000000005",
    "x-litellm-response-cost-discount-amount": "0.0",
    "x-litellm-response-cost-margin-amount": "0.0",
    "x-litellm-response-cost-margin-percent": "0.0",
    "x-litellm-response-cost-input": "3e-05",
    "x-litellm-response-cost-output": "0.00030000000000000003",
    "x-litellm-response-cost-tool-usage": "0.0",
    "x-litellm-key-spend": "0.00033000000000000005",
    "x-litellm-response-duration-ms": "950.4520893096924",
    "x-litellm-callback-duration-ms": "0.0",
    "x-litellm-model-group": "gpt-4",
    "x-litellm-attempted-retries": "0",
    "x-litellm-attempted-fallbacks": "0",
}


class CannedServer:
    """The handler behind the mock transport; can record what each side sent.

    ``litellm_headers`` adds the ``x-litellm-*`` headers a real proxy sends to every answer.
    """

    def __init__(self, litellm_headers: bool = False) -> None:
        self.chat = completion_body()
        self.stream = stream_body()
        self.recorded: list[httpx2.Request] | None = None
        self.extra = LITELLM_HEADERS if litellm_headers else {}

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        if self.recorded is not None:
            request.read()
            self.recorded.append(request)
        if b'"stream":true' in request.content or b'"stream": true' in request.content:
            return httpx2.Response(
                200,
                content=self.stream,
                headers={"content-type": "text/event-stream", **self.extra},
            )
        return httpx2.Response(
            200, content=self.chat, headers={"content-type": "application/json", **self.extra}
        )

    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self)


def _wire(request: httpx2.Request) -> dict[str, Any]:
    headers = {
        k.lower(): v for k, v in request.headers.items() if k.lower() not in VOLATILE_HEADERS
    }
    return {
        "method": request.method,
        "url": str(request.url),
        "body": json.loads(request.content),
        "headers": headers,
    }


def _same_wire(server: CannedServer, label: str) -> dict[str, Any]:
    """The two requests just recorded: identical method, URL and body, or the bench stops."""
    assert server.recorded is not None
    a, b = (_wire(r) for r in server.recorded)
    server.recorded = None
    if (a["method"], a["url"], a["body"]) != (b["method"], b["url"], b["body"]):
        raise AssertionError(f"{label}: the adapter and the raw client sent different requests")
    differing = sorted(
        k
        for k in set(a["headers"]) | set(b["headers"])
        if a["headers"].get(k) != b["headers"].get(k)
    )
    return {"same_method_url_body": True, "differing_headers": differing, "body": a["body"]}


def _kwargs(config: ResolvedConfig, stream: bool) -> dict[str, Any]:
    return build_request(config.resolve(REF).model, PROMPT, stream=stream, ref=REF).kwargs


def _report(results: dict[str, list[float]], per_round: int) -> dict[str, Any]:
    return compared(results, per_round, TARGET)


class _Replay:
    """Stands in for ``chat.completions`` with answers the real client parsed (own-work timing)."""

    def __init__(self, completion: Any, chunks: list[Any]) -> None:
        self.completion, self.chunks = completion, chunks
        self.with_raw_response = self  # the adapter reads headers through the raw-response API
        self.headers = httpx2.Headers(LITELLM_HEADERS)

    def create(self, **kwargs: Any) -> Any:
        answer = _Chunks(self.chunks) if kwargs.get("stream") else self.completion
        return SimpleNamespace(parse=lambda: answer, headers=self.headers)


class _Chunks:
    def __init__(self, chunks: list[Any]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[Any]:
        return iter(self._chunks)

    def close(self) -> None:
        return None


# --- sync ----------------------------------------------------------------------------------------


def raw_client(config: ResolvedConfig, server: CannedServer) -> openai.OpenAI:
    """A plain ``openai`` client on the canned transport: the baseline (and the A/A control)."""
    return openai.OpenAI(
        base_url=config.providers["litellm"].api_base,
        api_key=API_KEY,
        http_client=httpx2.Client(transport=server.transport()),
        max_retries=0,
    )


def adapter_client(config: ResolvedConfig, server: CannedServer) -> Client:
    """The adapter on its own copy of the same canned transport."""
    return Client(config, http_client=httpx2.Client(transport=server.transport()), max_retries=0)


def _raw_sync(
    raw: openai.OpenAI, chat_kwargs: dict[str, Any], stream_kwargs: dict[str, Any]
) -> Any:
    def chat(n: int) -> None:
        for _ in range(n):
            completion = raw.chat.completions.create(**chat_kwargs)
            text = completion.choices[0].message.content
        assert text == ANSWER

    def stream(n: int) -> None:
        for _ in range(n):
            parts = []
            for chunk in raw.chat.completions.create(**stream_kwargs):
                if chunk.choices and chunk.choices[0].delta.content:
                    parts.append(chunk.choices[0].delta.content)
            text = "".join(parts)
        assert text == ANSWER

    return chat, stream


def _adapter_sync(client: Client, read_proxy: bool = False) -> Any:
    """``read_proxy``: also read ``result.proxy`` (parsed from the headers on first read)."""

    def chat(n: int) -> None:
        for _ in range(n):
            result = client.chat(PROMPT, model=REF)
            if read_proxy:
                assert result.proxy is not None
        assert result.text == ANSWER

    def stream(n: int) -> None:
        for _ in range(n):
            answer = client.stream(PROMPT, model=REF)
            for _event in answer:
                pass
            result = answer.result
        assert result.text == ANSWER

    return chat, stream


def _cpu(run: Callable[[int], None], n: int) -> float:
    gc.collect()
    start = time.process_time()
    run(n)
    return time.process_time() - start


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """What is alive after the warm-up (modules, clients, caches) is set aside from the garbage
    collector for the timed rounds (``gc.freeze``).

    The collection before each round then takes well under a millisecond instead of about 40 ms,
    so a round can be a few requests long: the shorter the round, the less the machine's speed
    drifts between the sides compared in it. Inside a round the collector runs as usual, over
    what each side makes.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _timed_rounds(
    runs: dict[str, Callable[[int], None]], per_round: int, rounds: int
) -> dict[str, list[float]]:
    """CPU seconds of each side per round, after a warm-up, in balanced orders (sync sides)."""
    for run in runs.values():  # warm-up: imports, pools, caches
        run(WARM_UP)
    results: dict[str, list[float]] = {side: [] for side in runs}
    with frozen_heap():
        for round_index in range(rounds):
            for side in round_order(list(runs), round_index):
                results[side].append(_cpu(runs[side], per_round))
    return results


def measure_sync(
    config: ResolvedConfig,
    chat_n: int,
    stream_n: int,
    rounds: int,
    litellm_headers: bool = False,
) -> dict[str, Any]:
    server = CannedServer(litellm_headers)

    client = adapter_client(config, server)
    chat_kwargs, stream_kwargs = _kwargs(config, False), _kwargs(config, True)
    sides = {
        "adapter": _adapter_sync(client, read_proxy=litellm_headers),
        "raw": _raw_sync(raw_client(config, server), chat_kwargs, stream_kwargs),
        "control": _raw_sync(raw_client(config, server), chat_kwargs, stream_kwargs),
    }
    out: dict[str, Any] = {}
    for index, kind in enumerate(("chat", "stream")):
        server.recorded = []
        sides["adapter"][index](1)
        sides["raw"][index](1)
        out[f"wire_{kind}"] = _same_wire(server, f"sync {kind}")
    for index, (kind, total) in enumerate((("chat", chat_n), ("stream", stream_n))):
        if total == 0:
            continue
        per_round = max(total // rounds, 1)
        runs = {side: sides[side][index] for side in SIDES}
        out[kind] = _report(_timed_rounds(runs, per_round, rounds), per_round)
    if not litellm_headers:
        out["own_work_us"] = own_work(config, client)
    return out


def own_work(
    config: ResolvedConfig, client: Client, n: int = 2000, blocks: int = 7
) -> dict[str, float]:
    """The adapter's own CPU per request (best block): openai's ``create`` replays answers the
    real client parsed from the canned bodies, so only the adapter's code runs."""
    real = client.openai_client("litellm")
    completion = real.chat.completions.create(**_kwargs(config, False))
    chunks = list(real.chat.completions.create(**_kwargs(config, True)))
    replaying = Client(config, max_retries=0)
    replay = SimpleNamespace(chat=SimpleNamespace(completions=_Replay(completion, chunks)))
    replaying._clients["litellm"] = replay  # type: ignore[assignment]
    chat, stream = _adapter_sync(replaying)
    chat_reading_proxy = _adapter_sync(replaying, read_proxy=True)[0]
    out = {}
    for kind, run in (
        ("chat", chat),
        ("stream", stream),
        ("chat_reading_proxy", chat_reading_proxy),
    ):
        run(100)
        out[kind] = min(_cpu(run, n) for _ in range(blocks)) / n * 1e6
    return out


# --- async ---------------------------------------------------------------------------------------


def _raw_async(
    raw: openai.AsyncOpenAI, chat_kwargs: dict[str, Any], stream_kwargs: dict[str, Any]
) -> Any:
    async def chat(n: int) -> None:
        for _ in range(n):
            completion = await raw.chat.completions.create(**chat_kwargs)
            text = completion.choices[0].message.content
        assert text == ANSWER

    async def stream(n: int) -> None:
        for _ in range(n):
            parts = []
            async for chunk in await raw.chat.completions.create(**stream_kwargs):
                if chunk.choices and chunk.choices[0].delta.content:
                    parts.append(chunk.choices[0].delta.content)
            text = "".join(parts)
        assert text == ANSWER

    return chat, stream


def _adapter_async(client: AsyncClient) -> Any:
    async def chat(n: int) -> None:
        for _ in range(n):
            result = await client.chat(PROMPT, model=REF)
        assert result.text == ANSWER

    async def stream(n: int) -> None:
        for _ in range(n):
            answer = await client.stream(PROMPT, model=REF)
            async for _event in answer:
                pass
            result = answer.result
        assert result.text == ANSWER

    return chat, stream


async def _acpu(run: Callable[[int], Awaitable[None]], n: int) -> float:
    gc.collect()
    start = time.process_time()
    await run(n)
    return time.process_time() - start


async def measure_async(
    config: ResolvedConfig, chat_n: int, stream_n: int, rounds: int
) -> dict[str, Any]:
    server = CannedServer()

    def raw_client(config, server) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(
            base_url=config.providers["litellm"].api_base,
            api_key=API_KEY,
            http_client=httpx2.AsyncClient(transport=server.transport()),
            max_retries=0,
        )

    client = AsyncClient(
        config, http_client=httpx2.AsyncClient(transport=server.transport()), max_retries=0
    )
    chat_kwargs, stream_kwargs = _kwargs(config, False), _kwargs(config, True)
    sides = {
        "adapter": _adapter_async(client),
        "raw": _raw_async(raw_client(config, server), chat_kwargs, stream_kwargs),
        "control": _raw_async(raw_client(config, server), chat_kwargs, stream_kwargs),
    }
    out: dict[str, Any] = {}
    for index, kind in enumerate(("chat", "stream")):
        server.recorded = []
        await sides["adapter"][index](1)
        await sides["raw"][index](1)
        out[f"wire_{kind}"] = _same_wire(server, f"async {kind}")
    for index, (kind, total) in enumerate((("chat", chat_n), ("stream", stream_n))):
        per_round = max(total // rounds, 1)
        for side in SIDES:  # warm-up: imports, pools, caches
            await sides[side][index](WARM_UP)
        results: dict[str, list[float]] = {side: [] for side in SIDES}
        with frozen_heap():
            for round_index in range(rounds):
                for side in round_order(list(SIDES), round_index):
                    results[side].append(await _acpu(sides[side][index], per_round))
        out[kind] = _report(results, per_round)
    return out


# --- a streamed answer with two tool calls (issue 11) ---------------------------------------------


def _raw_tool_stream(raw: openai.OpenAI, kwargs: dict[str, Any]) -> Callable[[int], None]:
    """What a raw-client caller must do itself: join the deltas by index."""

    def stream(n: int) -> None:
        for _ in range(n):
            calls: dict[int, list[str]] = {}
            for chunk in raw.chat.completions.create(**kwargs):
                for delta in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
                    call = calls.setdefault(delta.index, [delta.id or "", "", ""])
                    if delta.function is not None:
                        call[1] = call[1] or delta.function.name or ""
                        call[2] += delta.function.arguments or ""
        assert tuple(c[2] for c in calls.values()) == TOOL_ARGUMENTS

    return stream


def _adapter_tool_stream(client: Client) -> Callable[[int], None]:
    def stream(n: int) -> None:
        for _ in range(n):
            answer = client.stream(PROMPT, model=REF, tools=[WEATHER_TOOL])
            for _event in answer:
                pass
        assert tuple(c.arguments for c in answer.result.tool_calls) == TOOL_ARGUMENTS

    return stream


def measure_tool_stream(config: ResolvedConfig, total: int, rounds: int) -> dict[str, Any]:
    """Sync stream of two tool calls: adapter (assembling ``ToolCall``s) against raw."""
    server = CannedServer()
    server.stream = tool_stream_body()

    client = adapter_client(config, server)
    kwargs = {**_kwargs(config, True), "tools": [WEATHER_TOOL]}
    sides = {
        "adapter": _adapter_tool_stream(client),
        "raw": _raw_tool_stream(raw_client(config, server), kwargs),
        "control": _raw_tool_stream(raw_client(config, server), kwargs),
    }
    server.recorded = []
    sides["adapter"](1)
    sides["raw"](1)
    out: dict[str, Any] = {"wire": _same_wire(server, "sync tool-call stream")}
    per_round = max(total // rounds, 1)
    out["stream_tool_calls"] = _report(_timed_rounds(sides, per_round, rounds), per_round)
    # Robust to a busy machine: the adapter's own CPU per request, openai's parsing replayed.
    chunks = list(client.openai_client("litellm").chat.completions.create(**kwargs))
    replaying = Client(config, max_retries=0)
    replay = SimpleNamespace(chat=SimpleNamespace(completions=_Replay(None, chunks)))
    replaying._clients["litellm"] = replay  # type: ignore[assignment]
    own = _adapter_tool_stream(replaying)
    own(100)
    out["own_work_us"] = min(_cpu(own, 1000) for _ in range(5)) / 1000 * 1e6
    return out


def run(chat_n: int = 5000, stream_n: int = 2000, rounds: int = 1000) -> dict[str, Any]:
    """Sync and async, non-streaming and streaming: CPU seconds, adapter over raw."""
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="clawdbot-bench-") as tmp:
        path = write_config(Path(tmp) / "clawdbot.json")
        config = load_config(path, environ=environ(path))
    sync = measure_sync(config, chat_n, stream_n, rounds)
    async_ = asyncio.run(measure_async(config, chat_n, stream_n, rounds))
    tools = measure_tool_stream(config, stream_n, rounds)
    return {
        "sync_litellm_headers": measure_litellm_headers(config, chat_n, rounds),
        "what": "CPU time (time.process_time) per round, adapter vs raw openai client, "
        "same httpx2.MockTransport with canned responses; control = a second raw client",
        "sync": sync,
        "async": async_,
        "tool_calls": tools,
        "load_before": load_before,
        "load_after": load_average(),
    }


def measure_litellm_headers(config: ResolvedConfig, chat_n: int, rounds: int) -> dict[str, Any]:
    """Issue 14's row: sync non-streaming where every answer carries LiteLLM's ``x-litellm-*``
    headers and the caller reads ``result.proxy`` from each, so the adapter's raw-response call
    and the ``ProxyInfo`` parse (done on that first read) are both in the figure."""
    return measure_sync(config, chat_n, 0, rounds, litellm_headers=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--litellm-headers-only",
        action="store_true",
        help="run only the sync non-streaming row with LiteLLM's x-litellm-* headers",
    )
    parser.add_argument("--chat", type=int, default=5000)
    parser.add_argument("--stream", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument(
        "--tool-calls-only",
        action="store_true",
        help="only the row for a streamed answer with two tool calls (sync)",
    )
    args = parser.parse_args()
    if args.tool_calls_only or args.litellm_headers_only:
        with tempfile.TemporaryDirectory(prefix="clawdbot-bench-") as tmp:
            path = write_config(Path(tmp) / "clawdbot.json")
            config = load_config(path, environ=environ(path))
        if args.tool_calls_only:
            figures = measure_tool_stream(config, args.stream, args.rounds)
        else:
            figures = measure_litellm_headers(config, args.chat, args.rounds)
        print(json.dumps(figures, indent=2))
        return
    print(json.dumps(run(args.chat, args.stream, args.rounds), indent=2))


if __name__ == "__main__":
    main()
