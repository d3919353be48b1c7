"""Canned answers for the mock transport, and the Clawdbot config both sides are built from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

API_KEY = "sk-bench-0123456789abcdef"  # a placeholder the bench proxy is started with
MODEL = "gpt-4"
REF = f"litellm/{MODEL}"
PROMPT = "Say hello in one short sentence."
ANSWER = "Hello from the gpt-4 mock."
BASE_URL = "http://127.0.0.1:4000"  # the mock transport never opens a socket


def write_config(path: Path, base_url: str = BASE_URL) -> Path:
    """A config as onboarding writes it: the key stays a ``${VAR}`` reference."""
    document = {
        "agents": {
            "defaults": {
                "model": {"primary": REF},
                "models": {REF: {"alias": "GPT-4"}},
            }
        },
        "models": {
            "mode": "merge",
            "providers": {
                "litellm": {
                    "baseUrl": base_url,
                    "apiKey": "${LITELLM_API_KEY}",
                    "api": "openai-completions",
                    "models": [
                        {
                            "id": MODEL,
                            "name": "GPT-4",
                            "contextWindow": 128000,
                            "maxTokens": 8192,
                            "compat": {"supportsStore": False},
                        }
                    ],
                }
            },
        },
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


def environ(config: Path) -> dict[str, str]:
    """The only environment the adapter sees: no real HOME, no stray ``LITELLM_*``."""
    return {"LITELLM_API_KEY": API_KEY, "CLAWDBOT_CONFIG_PATH": str(config)}


def completion_body() -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": 1767225600,
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": ANSWER},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 14, "completion_tokens": 11, "total_tokens": 25},
        }
    ).encode()


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1767225600,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def stream_body() -> bytes:
    """Server-sent events shaped like LiteLLM's: a role chunk, one chunk per word, the finish
    chunk, the usage chunk (``include_usage``), then ``[DONE]``."""
    words = ANSWER.split(" ")
    chunks = [_chunk({"role": "assistant", "content": ""})]
    chunks += [_chunk({"content": w if i == 0 else f" {w}"}) for i, w in enumerate(words)]
    chunks.append(_chunk({}, "stop"))
    usage = _chunk({})
    usage["choices"] = []
    usage["usage"] = {"prompt_tokens": 14, "completion_tokens": 11, "total_tokens": 25}
    chunks.append(usage)
    events = [f"data: {json.dumps(c)}\n\n" for c in chunks] + ["data: [DONE]\n\n"]
    return "".join(events).encode()


STREAM_CHUNKS = len(ANSWER.split(" ")) + 3

# A conversation an agent host sends on its fifth turn: a system prompt, four exchanges, the new
# question (ten messages).
HISTORY: list[dict[str, str]] = [
    {"role": "system", "content": "You are a terse assistant."},
    *(
        message
        for turn in range(4)
        for message in (
            {"role": "user", "content": f"Question {turn}: what is {turn} plus {turn}?"},
            {"role": "assistant", "content": f"{turn + turn}."},
        )
    ),
    {"role": "user", "content": PROMPT},
]

# A streamed answer with two tool calls (issue 11): each call's id and name first, then its
# arguments in 4-character fragments, as the test upstream and OpenAI stream them.
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
TOOL_ARGUMENTS = ('{"city": "Paris"}', '{"city": "Tokyo"}')


def tool_stream_body() -> bytes:
    """Server-sent events of an answer that makes two tool calls (no text), then usage."""
    chunks = [_chunk({"role": "assistant", "content": None})]
    for index, arguments in enumerate(TOOL_ARGUMENTS):
        first = {"index": index, "id": f"call_{index}", "type": "function"}
        first["function"] = {"name": "get_weather", "arguments": ""}
        chunks.append(_chunk({"tool_calls": [first]}))
        for i in range(0, len(arguments), 4):
            piece = {"index": index, "function": {"arguments": arguments[i : i + 4]}}
            chunks.append(_chunk({"tool_calls": [piece]}))
    chunks.append(_chunk({}, "tool_calls"))
    usage = _chunk({})
    usage["choices"] = []
    usage["usage"] = {"prompt_tokens": 40, "completion_tokens": 20, "total_tokens": 60}
    chunks.append(usage)
    events = [f"data: {json.dumps(c)}\n\n" for c in chunks] + ["data: [DONE]\n\n"]
    return "".join(events).encode()
