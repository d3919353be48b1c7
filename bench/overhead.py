"""Item 1: CPU time of the adapter against the raw ``openai`` client, same bytes, same transport.

Every side talks to one ``httpx2.MockTransport`` that answers canned responses, so only
client-side work is measured: for the raw client ``chat.completions.create(**kwargs)`` with the
kwargs :func:`clawdbot_litellm.client.create_kwargs` gives for the adapter's request (the bench
checks the two put the same request on the wire), for the adapter ``Client.chat`` /
``Client.stream`` doing its whole job (ref resolution, mapping, error wrapping, accumulation,
cost).

The adapter sends its body through the client's ``post``, not ``create`` (see
``clawdbot_litellm.client._request_options``), so a fourth side, ``post``, is the raw client
sending the same body the same way: the adapter against it is what the adapter's own code
costs. Two controls say how far the figures can be trusted: a second raw client (an A/A ratio:
what the machine's noise alone produces), and the adapter's own work, timed with answers the
real client parsed once (what the adapter adds per request when nothing else runs).
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
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from clawdbot_litellm import AsyncClient, Client, load_config
from clawdbot_litellm.client import CHAT_PATH, RAW_RESPONSE_HEADER, create_kwargs
from clawdbot_litellm.config.resolve import ResolvedConfig
from clawdbot_litellm.request import ChatOptions, PreparedRequest, build_request

from ._common import compared, load_average, round_order
from ._fixtures import (
    ANSWER,
    API_KEY,
    HISTORY,
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
SIDES = ("adapter", "raw", "control", "post")
# What the adapter hands ``post`` besides the body for this config (a key, no extra headers).
POST_OPTIONS: openai.RequestOptions = {
    "headers": {RAW_RESPONSE_HEADER: "true"},
    "security": {"bearer_auth": True},
}
_STREAM = openai.Stream[ChatCompletionChunk]
_ASYNC_STREAM = openai.AsyncStream[ChatCompletionChunk]
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
    """The requests just recorded, the adapter's first: identical method, URL and body, or the
    bench stops; the headers that differ from the adapter's are named."""
    assert server.recorded is not None
    a, *others = (_wire(r) for r in server.recorded)
    server.recorded = None
    differing: set[str] = set()
    for b in others:
        if (a["method"], a["url"], a["body"]) != (b["method"], b["url"], b["body"]):
            raise AssertionError(f"{label}: the adapter and a raw client sent different requests")
        differing.update(
            k
            for k in set(a["headers"]) | set(b["headers"])
            if a["headers"].get(k) != b["headers"].get(k)
        )
    return {
        "same_method_url_body": True,
        "differing_headers": sorted(differing),
        "body": a["body"],
    }


def _prepared(config: ResolvedConfig, stream: bool, prompt: Any = PROMPT) -> PreparedRequest:
    return build_request(config.resolve(REF).model, prompt, stream=stream, ref=REF)


def _kwargs(config: ResolvedConfig, stream: bool, prompt: Any = PROMPT) -> dict[str, Any]:
    return create_kwargs(_prepared(config, stream, prompt))


def creating(raw: Any, kwargs: dict[str, Any]) -> Callable[[], Any]:
    """The raw client as its users call it (the answer, or the stream to iterate; awaitable for
    an async client)."""
    return lambda: raw.chat.completions.create(**kwargs)


def posting(raw: openai.OpenAI, body: dict[str, Any]) -> Callable[[], Any]:
    """The raw client sending ``body`` as the adapter sends it: ``post`` with the raw-response
    header, then ``parse``."""
    stream = bool(body.get("stream"))
    return lambda: raw.post(
        CHAT_PATH,
        cast_to=ChatCompletion,
        body=body,
        options=POST_OPTIONS,
        stream=stream,
        stream_cls=_STREAM,
    ).parse()  # type: ignore[union-attr]


def posting_async(raw: openai.AsyncOpenAI, body: dict[str, Any]) -> Callable[[], Any]:
    stream = bool(body.get("stream"))

    async def send() -> Any:
        answer: Any = await raw.post(
            CHAT_PATH,
            cast_to=ChatCompletion,
            body=body,
            options=POST_OPTIONS,
            stream=stream,
            stream_cls=_ASYNC_STREAM,
        )
        return answer.parse()

    return send


def _report(results: dict[str, list[float]], per_round: int) -> dict[str, Any]:
    return compared(results, per_round, TARGET)


class _Replay:
    """Stands in for the ``openai`` client's ``post`` (what the adapter sends through) with answers
    the real client parsed, as raw responses: own-work timing."""

    def __init__(self, completion: Any, chunks: list[Any]) -> None:
        self.completion, self.chunks = completion, chunks
        self.headers = httpx2.Headers(LITELLM_HEADERS)

    def post(self, path: str, *, stream: bool = False, **options: Any) -> Any:
        answer = _Chunks(self.chunks) if stream else self.completion
        return SimpleNamespace(parse=lambda: answer, headers=self.headers)


class _Chunks:
    def __init__(self, chunks: list[Any]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[Any]:
        return iter(self._chunks)

    def close(self) -> None:
        return None


# --- sync ----------------------------------------------------------------------------------------


def _raw_settings(config: ResolvedConfig) -> dict[str, Any]:
    return {"base_url": config.providers["litellm"].api_base, "api_key": API_KEY, "max_retries": 0}


def raw_client(config: ResolvedConfig, server: CannedServer) -> openai.OpenAI:
    """A plain ``openai`` client on the canned transport: the baseline (and the A/A control)."""
    return openai.OpenAI(
        **_raw_settings(config), http_client=httpx2.Client(transport=server.transport())
    )


def async_raw_client(config: ResolvedConfig, server: CannedServer) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        **_raw_settings(config), http_client=httpx2.AsyncClient(transport=server.transport())
    )


def adapter_client(config: ResolvedConfig, server: CannedServer) -> Client:
    """The adapter on its own copy of the same canned transport."""
    return Client(config, http_client=httpx2.Client(transport=server.transport()), max_retries=0)


def _raw_sync(send_chat: Callable[[], Any], send_stream: Callable[[], Any]) -> Any:
    """A raw-client side: ``send_chat`` answers a completion, ``send_stream`` a stream."""

    def chat(n: int) -> None:
        for _ in range(n):
            completion = send_chat()
            text = completion.choices[0].message.content
        assert text == ANSWER

    def stream(n: int) -> None:
        for _ in range(n):
            parts = []
            for chunk in send_stream():
                if chunk.choices and chunk.choices[0].delta.content:
                    parts.append(chunk.choices[0].delta.content)
            text = "".join(parts)
        assert text == ANSWER

    return chat, stream


def _adapter_sync(client: Client, read_proxy: bool = False, prompt: Any = PROMPT) -> Any:
    """``read_proxy``: also read ``result.proxy`` (parsed from the headers on first read)."""

    def chat(n: int) -> None:
        for _ in range(n):
            result = client.chat(prompt, model=REF)
            if read_proxy:
                assert result.proxy is not None
        assert result.text == ANSWER

    def stream(n: int) -> None:
        for _ in range(n):
            answer = client.stream(prompt, model=REF)
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


def raw_sides(
    config: ResolvedConfig, server: CannedServer, prompt: Any, is_async: bool = False
) -> dict[str, Any]:
    """The three raw-client sides, each a (chat, stream) pair of loops: ``create``, ``create``
    again (the control), ``post``."""
    make: Callable[[ResolvedConfig, CannedServer], Any] = (
        async_raw_client if is_async else raw_client
    )
    loops = _raw_async if is_async else _raw_sync
    post = posting_async if is_async else posting
    chat, stream = _prepared(config, False, prompt), _prepared(config, True, prompt)
    sides = {
        side: loops(
            creating(make(config, server), create_kwargs(chat)),
            creating(make(config, server), create_kwargs(stream)),
        )
        for side in ("raw", "control")
    }
    poster = make(config, server)
    sides["post"] = loops(post(poster, chat.body), post(poster, stream.body))
    return sides


def measure_sync(
    config: ResolvedConfig,
    chat_n: int,
    stream_n: int,
    rounds: int,
    *,
    litellm_headers: bool = False,
    prompt: Any = PROMPT,
) -> dict[str, Any]:
    server = CannedServer(litellm_headers)

    client = adapter_client(config, server)
    sides = {
        "adapter": _adapter_sync(client, read_proxy=litellm_headers, prompt=prompt),
        **raw_sides(config, server, prompt),
    }
    out: dict[str, Any] = {}
    for index, kind in enumerate(("chat", "stream")):
        server.recorded = []
        for side in ("adapter", "raw", "post"):
            sides[side][index](1)
        out[f"wire_{kind}"] = _same_wire(server, f"sync {kind}")
    for index, (kind, total) in enumerate((("chat", chat_n), ("stream", stream_n))):
        if total == 0:
            continue
        per_round = max(total // rounds, 1)
        runs = {side: sides[side][index] for side in SIDES}
        out[kind] = _report(_timed_rounds(runs, per_round, rounds), per_round)
    return out


def own_work(
    config: ResolvedConfig, client: Client, n: int = 2000, blocks: int = 7
) -> dict[str, float]:
    """The adapter's own CPU per request (best block): the client's ``post`` replays answers the
    real client parsed from the canned bodies, so only the adapter's code runs."""
    real = client.openai_client("litellm")
    completion = real.chat.completions.create(**_kwargs(config, False))
    chunks = list(real.chat.completions.create(**_kwargs(config, True)))
    replaying = Client(config, max_retries=0)
    replaying._clients["litellm"] = _Replay(completion, chunks)  # type: ignore[assignment]
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


def _raw_async(send_chat: Callable[[], Any], send_stream: Callable[[], Any]) -> Any:
    """An async raw-client side: awaiting ``send_chat()`` answers a completion,
    ``send_stream()`` a stream."""

    async def chat(n: int) -> None:
        for _ in range(n):
            completion = await send_chat()
            text = completion.choices[0].message.content
        assert text == ANSWER

    async def stream(n: int) -> None:
        for _ in range(n):
            parts = []
            async for chunk in await send_stream():
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
    client = AsyncClient(
        config, http_client=httpx2.AsyncClient(transport=server.transport()), max_retries=0
    )
    sides = {
        "adapter": _adapter_async(client),
        **raw_sides(config, server, PROMPT, is_async=True),
    }
    out: dict[str, Any] = {}
    for index, kind in enumerate(("chat", "stream")):
        server.recorded = []
        for side in ("adapter", "raw", "post"):
            await sides[side][index](1)
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


def _raw_tool_stream(send: Callable[[], Any]) -> Callable[[int], None]:
    """What a raw-client caller must do itself: join the deltas by index."""

    def stream(n: int) -> None:
        for _ in range(n):
            calls: dict[int, list[str]] = {}
            for chunk in send():
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


def _tool_stream_request(config: ResolvedConfig) -> PreparedRequest:
    model = config.resolve(REF).model
    return build_request(model, PROMPT, ChatOptions(tools=(WEATHER_TOOL,)), stream=True, ref=REF)


def tool_stream_sides(
    config: ResolvedConfig, server: CannedServer, client: Client
) -> dict[str, Callable[[int], None]]:
    """Every side of the two-tool-call row (sync streaming)."""
    prepared = _tool_stream_request(config)
    kwargs = create_kwargs(prepared)
    return {
        "adapter": _adapter_tool_stream(client),
        "raw": _raw_tool_stream(creating(raw_client(config, server), kwargs)),
        "control": _raw_tool_stream(creating(raw_client(config, server), kwargs)),
        "post": _raw_tool_stream(posting(raw_client(config, server), prepared.body)),
    }


def measure_tool_stream(config: ResolvedConfig, total: int, rounds: int) -> dict[str, Any]:
    """Sync stream of two tool calls: adapter (assembling ``ToolCall``s) against raw."""
    server = CannedServer()
    server.stream = tool_stream_body()

    client = adapter_client(config, server)
    sides = tool_stream_sides(config, server, client)
    kwargs = create_kwargs(_tool_stream_request(config))
    server.recorded = []
    for side in ("adapter", "raw", "post"):
        sides[side](1)
    out: dict[str, Any] = {"wire": _same_wire(server, "sync tool-call stream")}
    per_round = max(total // rounds, 1)
    out["stream_tool_calls"] = _report(_timed_rounds(sides, per_round, rounds), per_round)
    # Robust to a busy machine: the adapter's own CPU per request, openai's parsing replayed.
    chunks = list(client.openai_client("litellm").chat.completions.create(**kwargs))
    replaying = Client(config, max_retries=0)
    replaying._clients["litellm"] = _Replay(None, chunks)  # type: ignore[assignment]
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
    sync["own_work_us"] = own_work(config, adapter_client(config, CannedServer()))
    async_ = asyncio.run(measure_async(config, chat_n, stream_n, rounds))
    tools = measure_tool_stream(config, stream_n, rounds)
    return {
        "sync_litellm_headers": measure_litellm_headers(config, chat_n, rounds),
        "sync_history": measure_history(config, chat_n, rounds),
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


def measure_history(config: ResolvedConfig, chat_n: int, rounds: int) -> dict[str, Any]:
    """Sync non-streaming with a conversation's ten messages as the prompt (an agent host's
    fifth turn): ``create`` walks each message against its annotations, the adapter copies and
    checks each."""
    return measure_sync(config, chat_n, 0, rounds, prompt=HISTORY)


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
    parser.add_argument(
        "--history-only",
        action="store_true",
        help="only the row for a ten-message conversation (sync non-streaming)",
    )
    args = parser.parse_args()
    if args.tool_calls_only or args.litellm_headers_only or args.history_only:
        with tempfile.TemporaryDirectory(prefix="clawdbot-bench-") as tmp:
            path = write_config(Path(tmp) / "clawdbot.json")
            config = load_config(path, environ=environ(path))
        if args.tool_calls_only:
            figures = measure_tool_stream(config, args.stream, args.rounds)
        elif args.history_only:
            figures = measure_history(config, args.chat, args.rounds)
        else:
            figures = measure_litellm_headers(config, args.chat, args.rounds)
        print(json.dumps(figures, indent=2))
        return
    print(json.dumps(run(args.chat, args.stream, args.rounds), indent=2))


if __name__ == "__main__":
    main()
