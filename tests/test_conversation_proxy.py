"""Conversations against the real LiteLLM proxy (``--live``) and its recorded cassettes (default).

The proxy's ``reasoner``, ``tool-agent`` and ``slow-stream`` mock models come from
``tests/proxy/litellm_config.yaml`` and ``tests/proxy/stream_hooks.py``.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest
from vcr_support import ProxyEndpoint

from clawdbot_litellm import (
    AsyncClient,
    AsyncConversation,
    Client,
    Conversation,
    ResolvedConfig,
    ToolLoopError,
    load_config,
)

MODELS = [
    {"id": "gpt-4", "name": "GPT-4", "contextWindow": 128000, "cost": {"input": 30, "output": 60}},
    {"id": "claude-3-opus", "name": "Opus", "contextWindow": 200000, "maxTokens": 4096},
    {"id": "reasoner", "name": "Reasoner", "reasoning": True, "contextWindow": 200000},
    {"id": "tool-agent", "name": "Tool agent", "contextWindow": 128000},
    {"id": "slow-stream", "name": "Slow stream", "contextWindow": 128000},
]


def make_config(tmp_path: Path, endpoint: ProxyEndpoint) -> ResolvedConfig:
    document = {
        "agents": {"defaults": {"model": {"primary": "litellm/gpt-4"}}},
        "models": {
            "providers": {
                "litellm": {
                    "baseUrl": endpoint.base_url,
                    "apiKey": "${LITELLM_API_KEY}",
                    "models": MODELS,
                }
            }
        },
    }
    path = tmp_path / "clawdbot.json"
    path.write_text(json.dumps(document))
    return load_config(path, environ={"LITELLM_API_KEY": endpoint.api_key})


@pytest.fixture
def client(tmp_path: Path, proxy_endpoint: ProxyEndpoint) -> Any:
    with Client(make_config(tmp_path, proxy_endpoint), max_retries=0, timeout=30) as c:
        yield c


def sent(cassette: Any) -> list[dict[str, Any]]:
    """The chat request bodies this test sent (replay and record; empty when live)."""
    if cassette is None:
        return []
    return [
        json.loads(request.body)
        for request in cassette.requests
        if request.path.endswith("/chat/completions")
    ]


def square(n: int) -> int:
    """Square a number."""
    return n * n


def broken(n: int) -> int:
    """A tool that always fails."""
    raise ValueError(f"no luck with {n}")


def test_three_turns_send_the_whole_history(client: Client, cassette: Any) -> None:
    conv = client.conversation(system="Be brief", max_tokens=50)
    first = conv.send("one")
    assert first.text == "Hello from the gpt-4 mock."
    conv.model = "litellm/claude-3-opus"  # switching models keeps the history
    second = conv.send("two", max_tokens=60)
    assert second.ref == "litellm/claude-3-opus"
    third = conv.send("three")
    assert (third.ref, third.text) == (
        "litellm/claude-3-opus",
        "Hello from the claude-3-opus mock.",
    )
    assert [m["role"] for m in conv.messages] == ["user", "assistant"] * 3
    assert [m["content"] for m in conv.messages[::2]] == ["one", "two", "three"]
    assert len(conv.turns) == 3
    assert conv.usage.prompt_tokens == sum(t.usage.prompt_tokens for t in conv.turns if t.usage)
    bodies = sent(cassette)
    if bodies:
        last = bodies[-1]["messages"]
        assert [m["role"] for m in last] == ["system"] + ["user", "assistant"] * 2 + ["user"]
        assert [m.get("content") for m in last][1:4] == ["one", first.text, "two"]
        assert bodies[0]["max_completion_tokens"] == 50  # a default of the conversation
        assert bodies[1]["max_completion_tokens"] == 60  # the turn's own option wins
        assert bodies[2]["max_completion_tokens"] == 50
    conv.messages.clear()  # a copy: the history is untouched
    assert len(conv.messages) == 6


def test_tool_loop_runs_a_python_function_for_two_rounds(client: Client, cassette: Any) -> None:
    conv = client.conversation(model="litellm/tool-agent", tools=[square])
    result = conv.send("square things", run_tools=True)
    assert result.text == "Done: 1 | 4"  # the model saw both results
    assert [m["role"] for m in conv.messages] == [
        "user",
        "assistant",
        "tool",
        "assistant",
        "tool",
        "assistant",
    ]
    assert conv.messages[1]["tool_calls"][0]["function"]["name"] == "square"
    assert conv.messages[2] == {"role": "tool", "tool_call_id": "call_1", "content": "1"}
    assert len(conv.turns) == 3
    bodies = sent(cassette)
    if bodies:
        assert bodies[0]["tools"][0]["function"]["name"] == "square"
        assert [m["role"] for m in bodies[2]["messages"]][-2:] == ["assistant", "tool"]


def test_a_tool_that_raises_and_an_unknown_tool_are_told_to_the_model(client: Client) -> None:
    conv = client.conversation(model="litellm/tool-agent")
    result = conv.send("go", tools=[broken], run_tools=True)
    assert result.text == (
        "Done: error: ValueError: no luck with 1 | error: ValueError: no luck with 2"
    )
    unknown = conv.send("call:missing rounds=3", tools=[broken], run_tools=True)
    assert "error: UnknownTool: no tool named 'missing'" in unknown.text
    # the mock answers with every tool result of the history: the two earlier ones, then this
    assert unknown.text.count("error: UnknownTool") == 1


def test_max_tool_rounds_raises_with_the_conversation(client: Client) -> None:
    conv = client.conversation(model="litellm/tool-agent", tools=[square])
    with pytest.raises(ToolLoopError, match="after 1 rounds") as raised:
        conv.send("rounds=5", run_tools=True, max_tool_rounds=1)
    assert raised.value.conversation is conv
    # every call is answered, so the conversation can go on
    assert conv.messages[-1]["content"].startswith("error: ToolLoopError")
    assert [m["role"] for m in conv.messages][-2:] == ["assistant", "tool"]


def test_reasoning_is_sent_back_on_the_next_turn(client: Client, cassette: Any) -> None:
    """The finding behind request.REPLAYED_REASONING_FIELD: the proxy takes reasoning_content on
    assistant messages and hands it to the model (the mock says what it was sent back)."""
    conv = client.conversation(model="litellm/reasoner", reasoning_effort="low")
    first = conv.send("2+2?")
    assert first.reasoning == "Thinking (sent back to me: 0 reasoning_content, 0 thinking_blocks)."
    assert conv.messages[1]["reasoning_content"] == first.reasoning
    second = conv.send("and 3+3?")
    assert second.reasoning == (
        "Thinking (sent back to me: 1 reasoning_content, 0 thinking_blocks)."
    )
    stream = conv.stream("and streamed?")
    assert [e.text for e in stream if e.kind == "reasoning"] == [
        "Thinking (sent back to me: 2 reasoning_content, 0 thinking_blocks)."
    ]
    # switching to a model without reasoning: the reasoning stays in the history, not sent
    conv.model = "litellm/gpt-4"
    conv.send("plain now", reasoning_effort="off")
    bodies = sent(cassette)
    if bodies:
        assert bodies[1]["messages"][1]["reasoning_content"] == first.reasoning
        assert "thinking_blocks" not in bodies[1]["messages"][1]
        assert all("reasoning_content" not in m for m in bodies[3]["messages"])
        assert "reasoning_effort" not in bodies[3]
    assert conv.messages[5]["reasoning_content"].startswith("Thinking")


def test_a_cancelled_stream_keeps_the_partial_answer(client: Client) -> None:
    conv = client.conversation(model="litellm/slow-stream")
    stream = conv.stream("count")
    pieces = []
    for event in stream:
        pieces.append(event.text)
        if len(pieces) == 3:
            break
    stream.close()
    result = stream.result
    assert result.finish_reason == "aborted"
    assert result.aborted
    assert result.usage is None
    assert result.text == "".join(pieces)
    assert result.text.startswith("Cou")
    assert conv.turns[-1].aborted
    assert conv.messages[-1] == {"role": "assistant", "content": result.text}
    assert conv.to_dict()["turns"][-1]["aborted"] is True


def test_save_and_load_carry_on(client: Client, tmp_path: Path, cassette: Any) -> None:
    conv = client.conversation(system="Be brief", max_tokens=40)
    conv.send("remember me")
    path = conv.save(tmp_path / "conv.json")
    assert path.stat().st_mode & 0o777 == 0o600
    stored = json.loads(path.read_text())
    assert stored["version"] == 1
    assert stored["format"] == "clawdbot-litellm.conversation"
    assert stored["turns"][0]["usage"]["prompt_tokens"] > 0
    again = Conversation.load(path, client)
    assert again.messages == conv.messages
    assert again.system == "Be brief"
    again.send("still there?")
    assert len(again.messages) == 4
    bodies = sent(cassette)
    if bodies:
        assert [m["content"] for m in bodies[1]["messages"]][1] == "remember me"
        assert bodies[1]["max_completion_tokens"] == 40


@pytest.fixture
def async_client(tmp_path: Path, proxy_endpoint: ProxyEndpoint) -> AsyncClient:
    return AsyncClient(make_config(tmp_path, proxy_endpoint), max_retries=0, timeout=30)


async def a_square(n: int) -> int:
    """Square a number, asynchronously."""
    await asyncio.sleep(0)
    return n * n


def test_async_conversation_awaits_async_tools(async_client: AsyncClient) -> None:
    async def main() -> tuple[AsyncConversation, str]:
        async with async_client:
            conv = async_client.conversation(model="litellm/tool-agent", tools=[a_square])
            result = await conv.send("square", run_tools=True)
            return conv, result.text

    conv, text = asyncio.run(main())
    assert text == "Done: 1 | 4"
    assert [m["content"] for m in conv.messages if m["role"] == "tool"] == ["1", "4"]


# --- the connection is released at once (real proxy only: the pool is not used on replay) -------


def _pool(client: Client) -> Any:
    http = client.openai_client()._client
    assert isinstance(http, httpx2.Client)
    return http._transport._pool


@pytest.mark.live
def test_closing_a_stream_releases_the_connection(tmp_path: Path, litellm_proxy: Any) -> None:
    endpoint = ProxyEndpoint(litellm_proxy.base_url, litellm_proxy.api_key)
    with Client(make_config(tmp_path, endpoint), max_retries=0, timeout=30) as client:
        stream = client.stream("count", model="litellm/slow-stream")
        events = iter(stream)
        next(events)
        pool = _pool(client)
        assert [c.info() for c in pool.connections if "ACTIVE" in c.info()]  # mid-answer
        started = time.monotonic()
        stream.close()
        assert time.monotonic() - started < 1.0  # the whole answer takes ~14 s
        assert not [c.info() for c in pool.connections if "ACTIVE" in c.info()]
        assert not pool._requests
        assert stream.result.aborted
        # the pool serves the next request at once
        assert client.chat("again").text == "Hello from the gpt-4 mock."


@pytest.mark.live
def test_cancelling_the_reading_task_releases_the_connection(
    tmp_path: Path, litellm_proxy: Any
) -> None:
    """On replay the whole answer is already in memory, so only the real proxy shows this."""
    endpoint = ProxyEndpoint(litellm_proxy.base_url, litellm_proxy.api_key)

    async def main() -> tuple[AsyncConversation, list[str]]:
        async with AsyncClient(make_config(tmp_path, endpoint), max_retries=0) as client:
            conv = client.conversation(model="litellm/slow-stream")
            stream = await conv.stream("count")
            seen: list[str] = []

            async def read() -> None:
                async for event in stream:
                    seen.append(event.text)

            task = asyncio.create_task(read())
            while len(seen) < 2:
                await asyncio.sleep(0.01)
            started = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert time.monotonic() - started < 1.0
            http = client.openai_client()._client
            assert isinstance(http, httpx2.AsyncClient)
            pool = http._transport._pool
            assert not [c.info() for c in pool.connections if "ACTIVE" in c.info()]
            assert stream.result.aborted
            assert stream.result.text == "".join(seen)
            return conv, seen

    conv, seen = asyncio.run(main())
    assert conv.turns[-1].aborted
    assert conv.messages[-1]["content"] == "".join(seen)
