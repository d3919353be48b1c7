"""Conversation pieces that need no proxy: the stored form's checks, options, thinking levels."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from clawdbot_litellm import Client, Conversation, ConversationFormatError, ResolvedConfig
from clawdbot_litellm.config.schema import ModelDefinition
from clawdbot_litellm.errors import UnsupportedInputError
from clawdbot_litellm.request import RequestWarning, build_request


@pytest.fixture
def client(tmp_path: Path) -> Client:
    path = tmp_path / "c.json"
    provider = {"baseUrl": "http://127.0.0.1:9", "models": [{"id": "gpt-4", "name": "GPT-4"}]}
    path.write_text(json.dumps({"models": {"providers": {"litellm": provider}}}))
    from clawdbot_litellm import load_config

    config: ResolvedConfig = load_config(path, environ={})
    return Client(config)


def stored(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format": "clawdbot-litellm.conversation",
        "version": 1,
        "model": "litellm/gpt-4",
        "system": None,
        "options": {"max_tokens": 10},
        "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}],
        "turns": [
            {
                "ref": "litellm/gpt-4",
                "message": 1,
                "finish_reason": "aborted",
                "aborted": True,
                "usage": None,
                "cost": None,
            }
        ],
    }
    data.update(changes)
    return data


def test_round_trip_keeps_everything(client: Client) -> None:
    conv = Conversation.from_dict(stored(), client)
    assert conv.turns[0].aborted
    assert conv.options == {"max_tokens": 10}
    assert conv.to_dict() == stored()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"version": 2}, "version 2 is not supported"),
        ({"format": "other"}, 'has no "format"'),
        ({"messages": "x"}, "messages is not a list"),
        ({"messages": [{"role": "wizard"}]}, r"messages\[0\].role is 'wizard'"),
        ({"turns": [{"ref": "x", "message": 5}]}, r"turns\[0\].message points past"),
        ({"options": {"tools": []}}, "options may only hold"),
        ({"system": 3}, "system is int"),
    ],
)
def test_a_broken_document_is_a_clear_error(
    client: Client, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConversationFormatError, match=message):
        Conversation.from_dict(stored(**changes), client)


def test_load_names_the_file(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text("{nope")
    with pytest.raises(ConversationFormatError, match=r"c\.json is not a saved conversation"):
        Conversation.load(path, client)
    with pytest.raises(ConversationFormatError, match="Cannot read"):
        Conversation.load(tmp_path / "missing.json", client)


def test_unknown_options_are_refused(client: Client) -> None:
    with pytest.raises(UnsupportedInputError, match="unknown option temprature"):
        client.conversation(temprature=1)


def test_images_stay_in_the_history(client: Client, tmp_path: Path) -> None:
    conv = client.conversation()
    new = conv._user_messages("look", ["https://example.com/a.png"])
    assert new == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "look"},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
            ],
        }
    ]


def model(**fields: Any) -> ModelDefinition:
    return ModelDefinition.model_validate({"id": "m", "name": "M", **fields})


def test_thinking_level_off_sends_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kwargs = build_request(model(reasoning=True), "hi", _options("off")).body
    assert "reasoning_effort" not in kwargs


def test_thinking_level_xhigh_is_sent_as_high_with_a_warning() -> None:
    with pytest.warns(RequestWarning, match='"xhigh" is sent as "high"'):
        kwargs = build_request(model(reasoning=True), "hi", _options("xhigh")).body
    assert kwargs["reasoning_effort"] == "high"


def test_reasoning_content_goes_only_to_reasoning_models() -> None:
    history = [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "b", "reasoning_content": "because"},
        {"role": "user", "content": "c"},
    ]
    plain = build_request(model(), history).body["messages"]
    assert "reasoning_content" not in plain[1]
    thinking = build_request(model(reasoning=True), history).body["messages"]
    assert thinking[1]["reasoning_content"] == "because"
    assert history[1]["reasoning_content"] == "because"  # the caller's messages are untouched


def _options(effort: str) -> Any:
    from clawdbot_litellm.request import ChatOptions

    return ChatOptions(reasoning_effort=effort)  # type: ignore[arg-type]
