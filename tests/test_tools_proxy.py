"""Tools and structured output against the real LiteLLM proxy (cassettes by default, ``--live``).

The tool and schema models are routed by the proxy to the scripted upstream in
``tests/proxy/upstream.py`` (see its docstring for why not LiteLLM's ``mock_tool_calls``), so
LiteLLM really translates, forwards and re-streams. Every scenario runs on both twins.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from proxy.upstream import TWICE_PREFIX, WEATHER, WEATHER_JSON
from pydantic import BaseModel
from vcr_support import ProxyEndpoint

from clawdbot_litellm import (
    AsyncClient,
    ChatResult,
    Client,
    ResolvedConfig,
    StreamEvent,
    StructuredOutputError,
    ToolCall,
    load_config,
)

TWINS = ["sync", "async"]
MODELS = [
    {"id": model, "name": model, "contextWindow": 128000, "maxTokens": 4096}
    for model in ("tool-once", "tool-twice", "json-answer", "claude-tools", "mock-tool-calls")
] + [{"id": "gpt-4o", "name": "GPT-4o", "contextWindow": 128000, "maxTokens": 4096}]


def get_weather(city: str, unit: str = "celsius") -> str:
    """The current weather in a city.

    The unit is celsius unless asked otherwise.
    """
    return f"21 {unit} in {city}"


class GetWeather(BaseModel):
    """The current weather in a city."""

    city: str


WEATHER_TOOL = {
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


class Weather(BaseModel):
    city: str
    temperature_c: float
    conditions: str


WEATHER_SCHEMA = {
    "title": "Weather",
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "temperature_c": {"type": "number"},
        "conditions": {"type": "string"},
    },
    "required": ["city", "temperature_c", "conditions"],
    "additionalProperties": False,
}


def make_config(tmp_path: Path, endpoint: ProxyEndpoint) -> ResolvedConfig:
    provider = {"baseUrl": endpoint.base_url, "apiKey": "${LITELLM_API_KEY}", "models": MODELS}
    document = {
        "agents": {"defaults": {"model": {"primary": "litellm/tool-once"}}},
        "models": {"providers": {"litellm": provider}},
    }
    path = tmp_path / "clawdbot.json"
    path.write_text(json.dumps(document))
    return load_config(path, environ={"LITELLM_API_KEY": endpoint.api_key})


def ask(
    config: ResolvedConfig, twin: str, mode: str, prompt: Any, **kwargs: Any
) -> tuple[list[StreamEvent], ChatResult]:
    """One request through the chosen twin: (stream events, result)."""
    if twin == "sync":
        with Client(config, max_retries=0, timeout=30) as client:
            if mode == "chat":
                return [], client.chat(prompt, **kwargs)
            stream = client.stream(prompt, **kwargs)
            events = list(stream)
            return events, stream.result

    async def run() -> tuple[list[StreamEvent], ChatResult]:
        async with AsyncClient(config, max_retries=0, timeout=30) as client:
            if mode == "chat":
                return [], await client.chat(prompt, **kwargs)
            stream = await client.stream(prompt, **kwargs)
            events = [event async for event in stream]
            return events, stream.result

    return asyncio.run(run())


@pytest.fixture
def config(tmp_path: Path, proxy_endpoint: ProxyEndpoint) -> ResolvedConfig:
    return make_config(tmp_path, proxy_endpoint)


@pytest.mark.parametrize("twin", TWINS)
def test_single_tool_call_from_a_function(config: ResolvedConfig, twin: str) -> None:
    _, result = ask(config, twin, "chat", "Weather in Paris?", tools=[get_weather])
    assert result.finish_reason == "tool_calls"
    assert result.text == ""
    assert result.tool_calls == (ToolCall("call_1", "get_weather", '{"city": "Paris"}'),)
    assert result.tool_calls[0].parsed_arguments() == {"city": "Paris"}
    assert result.message()["tool_calls"][0]["function"]["name"] == "get_weather"


@pytest.mark.parametrize("twin", TWINS)
def test_two_parallel_tool_calls_streamed(config: ResolvedConfig, twin: str) -> None:
    events, result = ask(
        config,
        twin,
        "stream",
        "Weather in Paris and Tokyo?",
        model="tool-twice",
        tools=[GetWeather],
        tool_choice="required",
    )
    kinds = [event.kind for event in events]
    assert kinds[-2:] == ["tool_call", "tool_call"]
    assert set(kinds[:-2]) == {"text"}
    assert "".join(e.text for e in events if e.kind == "text") == TWICE_PREFIX
    calls = tuple(e.tool_call for e in events if e.kind == "tool_call")
    assert calls == result.tool_calls
    assert [(c.id, c.name, c.parsed_arguments()) for c in result.tool_calls] == [
        ("call_1", "GetWeather", {"city": "Paris"}),
        ("call_2", "GetWeather", {"city": "Tokyo"}),
    ]
    assert result.finish_reason == "tool_calls"
    assert result.text == TWICE_PREFIX
    assert result.usage is not None


@pytest.mark.parametrize("twin", TWINS)
def test_tool_result_round_trip(config: ResolvedConfig, twin: str) -> None:
    history: list[dict[str, Any]] = [{"role": "user", "content": "Weather in Paris?"}]
    _, first = ask(config, twin, "chat", history, tools=[WEATHER_TOOL], tool_choice="get_weather")
    call = first.tool_calls[0]
    history.append(first.message())
    history.append({"role": "tool", "tool_call_id": call.id, "content": get_weather("Paris")})
    _, second = ask(config, twin, "chat", history, tools=[WEATHER_TOOL])
    assert second.text == "Tool results: 21 celsius in Paris"
    assert second.tool_calls == ()
    assert second.message() == {"role": "assistant", "content": second.text}


@pytest.mark.parametrize("twin", TWINS)
def test_structured_output_from_a_schema_dict(config: ResolvedConfig, twin: str) -> None:
    _, result = ask(
        config, twin, "chat", "Weather?", model="json-answer", response_format=WEATHER_SCHEMA
    )
    assert result.parsed == WEATHER
    assert result.text == WEATHER_JSON


@pytest.mark.parametrize("twin", TWINS)
def test_structured_output_from_a_plain_schema_dict(config: ResolvedConfig, twin: str) -> None:
    # Neither closed nor fully required: sent strict (humidity nullable), validated as written.
    plain = {
        "type": "object",
        "properties": {**WEATHER_SCHEMA["properties"], "humidity": {"type": "number"}},
        "required": ["city"],
    }
    before = json.dumps(plain)
    _, result = ask(config, twin, "chat", "Weather?", model="json-answer", response_format=plain)
    assert result.parsed == WEATHER
    assert json.dumps(plain) == before


@pytest.mark.parametrize("mode", ["chat", "stream"])
@pytest.mark.parametrize("twin", TWINS)
def test_structured_output_from_a_pydantic_class(
    config: ResolvedConfig, twin: str, mode: str
) -> None:
    _, result = ask(config, twin, mode, "Weather?", model="json-answer", response_format=Weather)
    assert result.parsed == Weather(**WEATHER)


@pytest.mark.parametrize("twin", TWINS)
def test_an_answer_that_breaks_the_schema_keeps_its_text(config: ResolvedConfig, twin: str) -> None:
    conditions = {"enum": ["rain", "snow"]}  # the upstream answers "sunny"
    schema = {
        **WEATHER_SCHEMA,
        "properties": {**WEATHER_SCHEMA["properties"], "conditions": conditions},
    }
    with pytest.raises(
        StructuredOutputError, match=r"\$\.conditions: 'sunny' is not one of"
    ) as caught:
        ask(config, twin, "chat", "Weather?", model="json-answer", response_format=schema)
    assert caught.value.text == WEATHER_JSON


def test_an_answer_that_is_not_json_is_a_structured_output_error(config: ResolvedConfig) -> None:
    # gpt-4o: LiteLLM refuses response_format for gpt-4 (UnsupportedParamsError, its model map
    # says gpt-4 has no response schema support) unless drop_params is set.
    with pytest.raises(StructuredOutputError, match="not JSON") as caught:
        ask(config, "sync", "chat", "Weather?", model="gpt-4o", response_format=Weather)
    assert caught.value.text == "Hello from the gpt-4o mock. I see the image."


def test_anthropic_route_takes_a_tool_history_without_tools(config: ResolvedConfig) -> None:
    """Finding (LiteLLM 1.108.7): for an Anthropic route, a history with tool calls but no
    ``tools`` is accepted: LiteLLM's Anthropic transformation adds a placeholder tool named
    ``dummy_tool`` itself (``AnthropicConfig.transform_request``), so the adapter sends the
    history as it is and adds nothing."""
    history = [
        {"role": "user", "content": "Weather in Paris?"},
        ChatResult(
            "litellm/claude-tools",
            "",
            "",
            "tool_calls",
            None,
            None,
            tool_calls=(ToolCall("toolu_1", "get_weather", '{"city": "Paris"}'),),
        ).message(),
        {"role": "tool", "tool_call_id": "toolu_1", "content": "21 celsius"},
    ]
    _, result = ask(config, "sync", "chat", history, model="claude-tools")
    assert result.text == "Anthropic upstream got tools: ['dummy_tool']"


def test_litellm_mock_tool_calls_are_lost_when_streamed(config: ResolvedConfig) -> None:
    """Finding (LiteLLM 1.108.7): ``mock_tool_calls`` in a model's litellm_params is honoured
    only without streaming, and then with ``finish_reason`` "stop"; a streamed answer from the
    same model carries no tool call at all. Hence the scripted upstream for the evidence."""
    _, plain = ask(config, "sync", "chat", "hi", model="mock-tool-calls", tools=[WEATHER_TOOL])
    assert plain.tool_calls == (ToolCall("call_mock_1", "get_weather", '{"city": "Paris"}'),)
    assert plain.finish_reason == "stop"
    events, streamed = ask(
        config, "sync", "stream", "hi", model="mock-tool-calls", tools=[WEATHER_TOOL]
    )
    assert streamed.tool_calls == ()
    assert [e.kind for e in events if e.kind == "tool_call"] == []
