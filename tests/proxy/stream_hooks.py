"""A proxy callback that breaks one model's stream off half-way, loaded by LiteLLM itself.

LiteLLM's own ``mock_streaming_error`` fails before the first byte (a plain 529), so it cannot
show a stream that starts fine and then dies. For the ``stream-cutoff`` model group this hook
passes two chunks through and then raises: the real proxy sends its ``data: {"error": ...}``
frame and ends the stream without ``[DONE]``, which is what an upstream dropping mid-answer
looks like to a client. Every other model's stream passes through untouched.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from litellm.integrations.custom_logger import CustomLogger

CUTOFF_MODEL = "stream-cutoff"
CHUNKS_BEFORE_CUTOFF = 2
# Conversations (issue 12): `slow-stream` spaces its chunks out so a client can cancel
# mid-answer; `reasoner` answers with reasoning text that says how many earlier assistant
# messages came back to the proxy carrying their reasoning (proof of reasoning replay).
SLOW_MODEL = "slow-stream"
SLOW_CHUNK_DELAY = 0.25
REASONING_MODEL = "reasoner"
# `tool-agent` (non-streamed answers) calls the request's first tool with {"n": <round>} until
# the history holds ROUNDS tool results (a user message "rounds=N" changes that; "call:NAME"
# calls NAME instead), then answers with every tool result it was sent.
TOOL_MODEL = "tool-agent"
DEFAULT_ROUNDS = 2


def _last_user_text(messages: list[Any]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else ""
    return ""


def _agent_turn(data: dict[str, Any], message: Any, choice: Any) -> None:
    from litellm.types.utils import ChatCompletionMessageToolCall, Function

    messages = data.get("messages") or []
    results = [
        m.get("content") for m in messages if isinstance(m, dict) and m.get("role") == "tool"
    ]
    order = _last_user_text(messages)
    rounds = DEFAULT_ROUNDS
    for word in order.split():
        if word.startswith("rounds="):
            rounds = int(word.removeprefix("rounds="))
    tools = data.get("tools") or []
    if len(results) >= rounds or not tools:
        message.content = "Done: " + " | ".join(str(r) for r in results)
        return
    name = tools[0]["function"]["name"]
    for word in order.split():
        if word.startswith("call:"):
            name = word.removeprefix("call:")
    message.content = None
    message.tool_calls = [
        ChatCompletionMessageToolCall(
            id=f"call_{len(results) + 1}",
            type="function",
            function=Function(name=name, arguments=f'{{"n": {len(results) + 1}}}'),
        )
    ]
    choice.finish_reason = "tool_calls"


def _reasoning_for(request_data: dict[str, Any]) -> str:
    messages = request_data.get("messages") or []
    earlier = [m for m in messages if isinstance(m, dict) and m.get("role") == "assistant"]
    texts = sum(1 for m in earlier if m.get("reasoning_content"))
    blocks = sum(1 for m in earlier if m.get("thinking_blocks"))
    return f"Thinking (sent back to me: {texts} reasoning_content, {blocks} thinking_blocks)."


class StreamCutoff(CustomLogger):  # type: ignore[misc]
    """Ends the ``stream-cutoff`` model's stream with an error after a few chunks."""

    async def async_post_call_streaming_iterator_hook(
        self, user_api_key_dict: Any, response: Any, request_data: dict[str, Any]
    ) -> AsyncGenerator[Any, None]:
        model = request_data.get("model")
        sent = 0
        async for item in response:
            if model == CUTOFF_MODEL and sent == CHUNKS_BEFORE_CUTOFF:
                raise RuntimeError("upstream connection lost mid-stream (clawdbot test proxy)")
            if model == SLOW_MODEL and sent:
                await asyncio.sleep(SLOW_CHUNK_DELAY)
            if model == REASONING_MODEL and sent == 0 and item.choices:
                item.choices[0].delta.reasoning_content = _reasoning_for(request_data)
            sent += 1
            yield item

    async def async_post_call_success_hook(
        self, data: dict[str, Any], user_api_key_dict: Any, response: Any
    ) -> Any:
        if data.get("model") == REASONING_MODEL and getattr(response, "choices", None):
            response.choices[0].message.reasoning_content = _reasoning_for(data)
        if data.get("model") == TOOL_MODEL and getattr(response, "choices", None):
            _agent_turn(data, response.choices[0].message, response.choices[0])
        return response


proxy_handler_instance = StreamCutoff()
