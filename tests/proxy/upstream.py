"""A tiny scripted upstream on 127.0.0.1 that the test proxy routes tool and schema models to.

LiteLLM 1.108.7's mock models cannot stream tool calls (``mock_tool_calls`` is used only for
non-streamed answers; the streamed mock yields ``mock_response`` text alone) and skip the provider
translation entirely. Routing a model to this server instead leaves the proxy doing its real work:
translating the request for the provider, calling it over HTTP, re-streaming its chunks.

It speaks two dialects, chosen by the path LiteLLM calls:

- OpenAI ``POST /v1/chat/completions``: the behaviour follows the upstream model name (the part
  after ``openai/`` in ``litellm_config.yaml``):
  ``tool-once`` calls the first tool once with ``{"city": "Paris"}``; ``tool-twice`` says one
  sentence, then calls the first tool twice in parallel (Paris, Tokyo); ``json-answer`` answers
  :data:`WEATHER_JSON`. When the last message is a tool result, every model answers
  ``"Tool results: <contents joined by ' | '>"`` instead, so a round trip shows what arrived.
  Streamed answers split every tool call's arguments into 4-character fragments.
- Anthropic ``POST /v1/messages``: answers a text naming the tools the request carried, so a test
  sees what LiteLLM sent upstream.

Started by :class:`tests.proxy.server.ProxyServer`, which hands its URL to the proxy through
:data:`UPSTREAM_ENV` (``os.environ/...`` in the config).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

UPSTREAM_ENV = "CLAWDBOT_TEST_UPSTREAM"  # http://127.0.0.1:PORT (Anthropic style)
UPSTREAM_V1_ENV = "CLAWDBOT_TEST_UPSTREAM_V1"  # the same plus /v1 (OpenAI style)
WEATHER = {"city": "Paris", "temperature_c": 21.5, "conditions": "sunny"}
WEATHER_JSON = json.dumps(WEATHER)
TWICE_PREFIX = "Checking both cities."
FRAGMENT = 4


def _calls(model: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    tools = body.get("tools") or []
    name = tools[0]["function"]["name"] if tools else "get_weather"
    cities = ["Paris", "Tokyo"] if model == "tool-twice" else ["Paris"]
    return [
        {
            "id": f"call_{index + 1}",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps({"city": city})},
        }
        for index, city in enumerate(cities)
    ]


def _answer(body: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]]]:
    """(text, tool calls) for one OpenAI-style request."""
    model = str(body.get("model", ""))
    messages = body.get("messages") or []
    if messages and messages[-1].get("role") == "tool":
        results = [str(m.get("content")) for m in messages if m.get("role") == "tool"]
        return "Tool results: " + " | ".join(results), []
    if model in ("tool-once", "tool-twice"):
        return (TWICE_PREFIX if model == "tool-twice" else None), _calls(model, body)
    if model == "json-answer":
        return WEATHER_JSON, []
    return f"Hello from the {model} upstream.", []


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-upstream",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _stream(body: dict[str, Any], text: str | None, calls: list[dict[str, Any]]) -> list[Any]:
    model = str(body.get("model", ""))
    chunks: list[Any] = [_chunk(model, {"role": "assistant", "content": ""})]
    if text:
        chunks += [_chunk(model, {"content": text[i : i + 8]}) for i in range(0, len(text), 8)]
    for index, call in enumerate(calls):
        first = {
            "index": index,
            "id": call["id"],
            "type": "function",
            "function": {"name": call["function"]["name"], "arguments": ""},
        }
        chunks.append(_chunk(model, {"tool_calls": [first]}))
        arguments = call["function"]["arguments"]
        for i in range(0, len(arguments), FRAGMENT):
            fragment = {"index": index, "function": {"arguments": arguments[i : i + FRAGMENT]}}
            chunks.append(_chunk(model, {"tool_calls": [fragment]}))
    chunks.append(_chunk(model, {}, "tool_calls" if calls else "stop"))
    if (body.get("stream_options") or {}).get("include_usage"):
        usage = {"prompt_tokens": 20, "completion_tokens": 10, "total_tokens": 30}
        chunks.append({**_chunk(model, {}), "choices": [], "usage": usage})
    return chunks


def _completion(body: dict[str, Any], text: str | None, calls: list[dict[str, Any]]) -> Any:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if calls:
        message["tool_calls"] = calls
    return {
        "id": "chatcmpl-upstream",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": body.get("model"),
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}
        ],
        "usage": {"prompt_tokens": 20, "completion_tokens": 10, "total_tokens": 30},
    }


def _anthropic(body: dict[str, Any]) -> Any:
    names = [str(tool.get("name")) for tool in body.get("tools") or []]
    return {
        "id": "msg_upstream",
        "type": "message",
        "role": "assistant",
        "model": body.get("model"),
        "content": [{"type": "text", "text": f"Anthropic upstream got tools: {names}"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 20, "output_tokens": 10},
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path.rstrip("/").endswith("/messages"):
            self._json(_anthropic(body))
            return
        text, calls = _answer(body)
        if body.get("stream"):
            payload = "".join(
                f"data: {json.dumps(chunk)}\n\n" for chunk in _stream(body, text, calls)
            )
            data = (payload + "data: [DONE]\n\n").encode()
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self._json(_completion(body, text, calls))

    def _json(self, value: Any) -> None:
        data = json.dumps(value).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Upstream:
    """The scripted upstream in a daemon thread; ``url`` once started."""

    def __init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the upstream first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Upstream:
        if self._server is None:
            self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
            self._server.daemon_threads = True
            threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def environment(self) -> dict[str, str]:
        """What the proxy needs to route the upstream models here."""
        return {UPSTREAM_ENV: self.url, UPSTREAM_V1_ENV: f"{self.url}/v1"}

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
