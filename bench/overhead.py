"""Item 1: CPU time of the adapter against the raw ``openai`` client, same bytes, same transport.

Both sides talk to one ``httpx2.MockTransport`` that answers canned responses, so only client-side
work is measured: for the raw client ``chat.completions.create(**kwargs)`` with the kwargs that
:func:`clawdbot_litellm.request.build_request` produces (the bench checks the two sides put the
same request on the wire), for the adapter ``Client.chat`` / ``Client.stream`` doing its whole
job (ref resolution, mapping, error wrapping, accumulation, cost).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx2
import openai

from clawdbot_litellm import AsyncClient, Client, load_config
from clawdbot_litellm.request import build_request

from ._common import Summary, alternate, load_average, paired_ratio, ratio, rotated
from ._fixtures import (
    ANSWER,
    API_KEY,
    PROMPT,
    REF,
    completion_body,
    environ,
    stream_body,
    write_config,
)

TARGET = 1.05
# Headers that carry per-request bookkeeping rather than what was asked.
VOLATILE_HEADERS = frozenset({"x-stainless-retry-count", "x-stainless-read-timeout"})


class CannedServer:
    """The handler behind the mock transport; can record what each side sent."""

    def __init__(self) -> None:
        self.chat = completion_body()
        self.stream = stream_body()
        self.recorded: list[httpx2.Request] | None = None

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        if self.recorded is not None:
            request.read()
            self.recorded.append(request)
        if b'"stream":true' in request.content or b'"stream": true' in request.content:
            return httpx2.Response(
                200, content=self.stream, headers={"content-type": "text/event-stream"}
            )
        return httpx2.Response(200, content=self.chat, headers={"content-type": "application/json"})

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


def compare_wire(
    server: CannedServer, send_a: Callable[[], None], send_b: Callable[[], None]
) -> dict[str, Any]:
    """Send once from each side and say whether the two requests are the same."""
    server.recorded = []
    send_a()
    send_b()
    a, b = (_wire(r) for r in server.recorded)
    server.recorded = None
    differing = sorted(
        k
        for k in set(a["headers"]) | set(b["headers"])
        if a["headers"].get(k) != b["headers"].get(k)
    )
    same = a["method"] == b["method"] and a["url"] == b["url"] and a["body"] == b["body"]
    if not same:
        raise AssertionError(f"the adapter and the raw client sent different requests: {a} != {b}")
    return {"same_method_url_body": same, "differing_headers": differing, "body": a["body"]}


def _kwargs(config: Any, stream: bool) -> dict[str, Any]:
    return build_request(config.resolve(REF).model, PROMPT, stream=stream, ref=REF).kwargs


# --- sync ----------------------------------------------------------------------------------------


def sync_sides(config_path: Path) -> tuple[CannedServer, dict[str, Callable[[int], None]]]:
    server = CannedServer()
    config = load_config(config_path, environ=environ(config_path))
    client = Client(config, http_client=httpx2.Client(transport=server.transport()), max_retries=0)
    raw = openai.OpenAI(
        base_url=config.providers["litellm"].api_base,
        api_key=API_KEY,
        http_client=httpx2.Client(transport=server.transport()),
        max_retries=0,
    )
    chat_kwargs, stream_kwargs = _kwargs(config, False), _kwargs(config, True)

    def adapter_chat(n: int) -> None:
        for _ in range(n):
            result = client.chat(PROMPT, model=REF)
        assert result.text == ANSWER

    def raw_chat(n: int) -> None:
        for _ in range(n):
            completion = raw.chat.completions.create(**chat_kwargs)
            text = completion.choices[0].message.content
        assert text == ANSWER

    def adapter_stream(n: int) -> None:
        for _ in range(n):
            stream = client.stream(PROMPT, model=REF)
            for _event in stream:
                pass
            result = stream.result
        assert result.text == ANSWER

    def raw_stream(n: int) -> None:
        for _ in range(n):
            parts = []
            for chunk in raw.chat.completions.create(**stream_kwargs):
                if chunk.choices and chunk.choices[0].delta.content:
                    parts.append(chunk.choices[0].delta.content)
            text = "".join(parts)
        assert text == ANSWER

    return server, {
        "adapter_chat": adapter_chat,
        "raw_chat": raw_chat,
        "adapter_stream": adapter_stream,
        "raw_stream": raw_stream,
    }


def _cpu(run: Callable[[int], None], n: int) -> Callable[[], float]:
    def measure() -> float:
        start = time.process_time()
        run(n)
        return time.process_time() - start

    return measure


def measure_sync(config_path: Path, chat_n: int, stream_n: int, rounds: int) -> dict[str, Any]:
    server, sides = sync_sides(config_path)
    out: dict[str, Any] = {
        "wire_chat": compare_wire(
            server, lambda: sides["adapter_chat"](1), lambda: sides["raw_chat"](1)
        ),
        "wire_stream": compare_wire(
            server, lambda: sides["adapter_stream"](1), lambda: sides["raw_stream"](1)
        ),
    }
    for kind, total in (("chat", chat_n), ("stream", stream_n)):
        per_round = max(total // rounds, 1)
        for side in ("adapter", "raw"):  # warm-up: imports, pools, caches
            sides[f"{side}_{kind}"](min(50, per_round))
        results = alternate(
            {
                "adapter": _cpu(sides[f"adapter_{kind}"], per_round),
                "raw": _cpu(sides[f"raw_{kind}"], per_round),
            },
            rounds,
        )
        out[kind] = _report(results, per_round, rounds)
    return out


# --- async ---------------------------------------------------------------------------------------


async def measure_async_in_loop(
    config_path: Path, chat_n: int, stream_n: int, rounds: int
) -> dict[str, Any]:
    server = CannedServer()
    config = load_config(config_path, environ=environ(config_path))
    client = AsyncClient(
        config, http_client=httpx2.AsyncClient(transport=server.transport()), max_retries=0
    )
    raw = openai.AsyncOpenAI(
        base_url=config.providers["litellm"].api_base,
        api_key=API_KEY,
        http_client=httpx2.AsyncClient(transport=server.transport()),
        max_retries=0,
    )
    chat_kwargs, stream_kwargs = _kwargs(config, False), _kwargs(config, True)

    async def adapter_chat(n: int) -> None:
        for _ in range(n):
            result = await client.chat(PROMPT, model=REF)
        assert result.text == ANSWER

    async def raw_chat(n: int) -> None:
        for _ in range(n):
            completion = await raw.chat.completions.create(**chat_kwargs)
            text = completion.choices[0].message.content
        assert text == ANSWER

    async def adapter_stream(n: int) -> None:
        for _ in range(n):
            stream = await client.stream(PROMPT, model=REF)
            async for _event in stream:
                pass
            result = stream.result
        assert result.text == ANSWER

    async def raw_stream(n: int) -> None:
        for _ in range(n):
            parts = []
            async for chunk in await raw.chat.completions.create(**stream_kwargs):
                if chunk.choices and chunk.choices[0].delta.content:
                    parts.append(chunk.choices[0].delta.content)
            text = "".join(parts)
        assert text == ANSWER

    sides: dict[str, Callable[[int], Awaitable[None]]] = {
        "adapter_chat": adapter_chat,
        "raw_chat": raw_chat,
        "adapter_stream": adapter_stream,
        "raw_stream": raw_stream,
    }
    out: dict[str, Any] = {}
    for kind in ("chat", "stream"):
        server.recorded = []
        await sides[f"adapter_{kind}"](1)
        await sides[f"raw_{kind}"](1)
        a, b = (_wire(r) for r in server.recorded)
        server.recorded = None
        if (a["url"], a["body"]) != (b["url"], b["body"]):
            raise AssertionError(f"async {kind}: different requests: {a} != {b}")
        out[f"wire_{kind}"] = {"same_method_url_body": True}
    for kind, total in (("chat", chat_n), ("stream", stream_n)):
        per_round = max(total // rounds, 1)
        for side in ("adapter", "raw"):
            await sides[f"{side}_{kind}"](min(50, per_round))
        results: dict[str, list[float]] = {"adapter": [], "raw": []}
        for index in range(rounds):  # alternate() is synchronous; the same rotation here
            for side in rotated(["adapter", "raw"], index):
                gc.collect()
                start = time.process_time()
                await sides[f"{side}_{kind}"](per_round)
                results[side].append(time.process_time() - start)
        out[kind] = _report(results, per_round, rounds)
    return out


def _report(results: dict[str, list[float]], per_round: int, rounds: int) -> dict[str, Any]:
    value = ratio(results, "adapter", "raw")
    return {
        "requests_per_side": per_round * rounds,
        "adapter": Summary.of(results["adapter"]).as_dict(per_round),
        "raw": Summary.of(results["raw"]).as_dict(per_round),
        "ratio": value,
        "paired_ratio": paired_ratio(results, "adapter", "raw"),
        "target": TARGET,
        "ok": value <= TARGET,
    }


def run(chat_n: int = 5000, stream_n: int = 2000, rounds: int = 10) -> dict[str, Any]:
    """Sync and async, non-streaming and streaming: CPU seconds, adapter over raw."""
    with tempfile.TemporaryDirectory(prefix="clawdbot-bench-") as tmp:
        config_path = write_config(Path(tmp) / "clawdbot.json")
        load_before = load_average()
        sync = measure_sync(config_path, chat_n, stream_n, rounds)
        async_ = asyncio.run(measure_async_in_loop(config_path, chat_n, stream_n, rounds))
    return {
        "what": "CPU time (time.process_time) per round, adapter vs raw openai client, "
        "same httpx2.MockTransport with canned responses",
        "sync": sync,
        "async": async_,
        "load_before": load_before,
        "load_after": load_average(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chat", type=int, default=5000)
    parser.add_argument("--stream", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    print(json.dumps(run(args.chat, args.stream, args.rounds), indent=2))


if __name__ == "__main__":
    main()
