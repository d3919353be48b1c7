"""``chat --tools`` / ``--schema`` and their ``--json`` fields, on cassettes recorded from the real
proxy (its tool and schema models call the scripted upstream in tests/proxy/upstream.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import run, write
from proxy.upstream import TWICE_PREFIX, WEATHER, WEATHER_JSON
from vcr_support import ProxyEndpoint

MODELS = [
    {"id": model, "name": model, "contextWindow": 128000, "maxTokens": 4096}
    for model in ("tool-once", "tool-twice", "json-answer")
]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]
SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "temperature_c": {"type": "number"},
        "conditions": {"type": "string"},
    },
    "required": ["city", "temperature_c", "conditions"],
}


@pytest.fixture
def config(tmp_path: Path, proxy_endpoint: ProxyEndpoint, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LITELLM_API_KEY", proxy_endpoint.api_key)
    monkeypatch.setenv("CLAWDBOT_LITELLM_MAX_RETRIES", "0")
    provider = {
        "baseUrl": proxy_endpoint.base_url,
        "apiKey": "${LITELLM_API_KEY}",
        "models": MODELS,
    }
    document = {
        "models": {"providers": {"litellm": provider}},
        "agents": {"defaults": {"model": {"primary": "litellm/tool-twice"}}},
    }
    return str(write(tmp_path / "c.json", document))


@pytest.fixture
def tools_file(tmp_path: Path) -> str:
    path = tmp_path / "tools.json"
    path.write_text(json.dumps(TOOLS))
    return str(path)


def test_tool_calls_go_to_stderr_and_the_text_to_stdout(config: str, tools_file: str) -> None:
    result = run(["--config", config, "chat", "--tools", tools_file, "Paris and Tokyo?"])
    assert result.exit_code == 0, result.output
    assert result.stdout == TWICE_PREFIX + "\n"
    lines = result.stderr.splitlines()
    assert lines[:2] == [
        'tool call: get_weather({"city": "Paris"})',
        'tool call: get_weather({"city": "Tokyo"})',
    ]


def test_json_lists_the_tool_calls(config: str, tools_file: str) -> None:
    args = ["--config", config, "chat", "--json", "--no-stream", "-m", "tool-once"]
    result = run([*args, "--tools", tools_file, "Paris?"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["tool_calls"] == [
        {"id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}'}
    ]
    assert data["parsed"] is None
    assert data["finish_reason"] == "tool_calls"


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "no-stream"])
def test_schema_prints_the_validated_object(config: str, stream: bool) -> None:
    args = ["--config", config, "chat", "-m", "json-answer", "--schema", json.dumps(SCHEMA)]
    result = run([*args, "Weather?"] if stream else [*args, "--no-stream", "Weather?"])
    assert result.exit_code == 0, result.output
    assert result.stdout == WEATHER_JSON + "\n"


def test_json_carries_the_parsed_object(config: str, tmp_path: Path) -> None:
    schema = write(tmp_path / "schema.json", SCHEMA)
    args = ["--config", config, "chat", "--json", "-m", "json-answer", "--schema", str(schema)]
    result = run([*args, "Weather?"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["parsed"] == WEATHER


def test_an_answer_that_fails_the_schema_is_one_error_line(config: str) -> None:
    conditions = {"enum": ["rain", "snow"]}  # the upstream answers "sunny"
    schema = {**SCHEMA, "properties": {**SCHEMA["properties"], "conditions": conditions}}
    args = ["--config", config, "chat", "-m", "json-answer", "--schema", json.dumps(schema)]
    result = run([*args, "Weather?"])
    assert result.exit_code == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: litellm/json-answer's answer does not match the schema")
    assert "$.conditions: 'sunny' is not one of 'rain', 'snow'" in line


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--schema", "{not json", "--schema {not json: not JSON"),
        ("--schema", "/no/such/schema.json", "cannot read it"),
        ("--tools", "[1]", "tool 0 is a int"),
        (
            "--schema",
            '{"type": "object", "additionalProperties": true}',
            "Error: response_format cannot be sent as a strict schema: #/additionalProperties "
            "is true: strict structured output only takes objects with fixed properties",
        ),
    ],
)
def test_bad_schema_or_tools_are_one_error_line(
    tmp_path: Path, option: str, value: str, message: str
) -> None:
    config = write(
        tmp_path / "c.json",
        {"models": {"providers": {"litellm": {"baseUrl": "http://127.0.0.1:9", "models": MODELS}}}},
    )
    result = run(["--config", str(config), "chat", "-m", "tool-once", option, value, "hi"])
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: ")
    assert message in line
