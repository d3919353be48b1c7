from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, strategies as st

from clawdbot_litellm.config.path import (
    format_path,
    get_at,
    parse_path,
    parse_value,
    set_at,
    unset_at,
)
from clawdbot_litellm.config.resolve import ConfigWarning
from clawdbot_litellm.errors import ConfigError, ConfigPathError, ConfigPathNotFoundError

# --- parse_path ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("agents.defaults.model.primary", ["agents", "defaults", "model", "primary"]),
        (
            "agents.defaults.models[litellm/gpt-4].alias",
            ["agents", "defaults", "models", "litellm/gpt-4", "alias"],
        ),
        (
            "models.providers.litellm.models[0].id",
            ["models", "providers", "litellm", "models", "0", "id"],
        ),
        ("agents.defaults.models.gpt-4\\.1", ["agents", "defaults", "models", "gpt-4.1"]),
        ("a\\[b\\]", ["a[b]"]),
        ("a\\\\b", ["a\\b"]),
        ("models[a.b][c]", ["models", "a.b", "c"]),
        ("[litellm/x].y", ["litellm/x", "y"]),
        ("a.[b]", ["a", "b"]),
        ("  spaced.path  ", ["spaced", "path"]),
        ("env", ["env"]),
    ],
)
def test_parse_path(text: str, segments: list[str]) -> None:
    assert parse_path(text) == segments


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("agents.models[litellm/gpt-4", 'Invalid path (missing "]"): agents.models[litellm/gpt-4'),
        ("agents.models[].alias", 'Invalid path (empty "[]"): agents.models[].alias'),
        ("a[  ]", 'Invalid path (empty "[]"): a[  ]'),
        ("", "Path is empty."),
        ("   ", "Path is empty."),
        ("..", "Path is empty."),
    ],
)
def test_parse_path_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigPathError) as caught:
        parse_path(text)
    assert str(caught.value).startswith(message)


def test_path_errors_say_what_to_do() -> None:
    with pytest.raises(ConfigPathError, match=r"Close the bracket"):
        parse_path("a[b")


# --- format_path --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("segments", "text"),
    [
        (["agents", "defaults", "model", "primary"], "agents.defaults.model.primary"),
        (["agents", "models", "litellm/gpt-4", "alias"], "agents.models[litellm/gpt-4].alias"),
        (["models", "0", "id"], "models[0].id"),
        (["models", 0, "id"], "models[0].id"),
        (["a", "gpt-4.1"], "a[gpt-4.1]"),
        (["a", "x]y"], "a.x\\]y"),
    ],
)
def test_format_path(segments: list[str | int], text: str) -> None:
    assert format_path(segments) == text


segment_text = st.text(alphabet=st.sampled_from("ab1.[]\\ /-"), min_size=1, max_size=6).filter(
    lambda s: s == s.strip() and s != ""  # Clawdbot trims every segment: only these round-trip
)


@given(st.lists(segment_text, min_size=1, max_size=4))
def test_format_path_round_trips(segments: list[str]) -> None:
    assert parse_path(format_path(segments)) == segments


# --- get_at / set_at / unset_at -------------------------------------------------------------------

DOC: dict[str, Any] = {
    "agents": {"defaults": {"models": {"litellm/gpt-4": {"alias": "GPT-4"}}}},
    "models": {"providers": {"litellm": {"models": [{"id": "gpt-4"}, {"id": "o1"}]}}},
    "map": {"0": "zero"},
    "name": "x",
}


def test_get_at_reads_objects_and_array_indexes() -> None:
    assert get_at(DOC, ["agents", "defaults", "models", "litellm/gpt-4", "alias"]) == "GPT-4"
    assert get_at(DOC, parse_path("models.providers.litellm.models[1].id")) == "o1"
    assert get_at(DOC, ["map", "0"]) == "zero"  # a numeric key of an object is a key
    assert get_at(DOC, []) is DOC


@pytest.mark.parametrize(
    "text",
    [
        "agents.nope",
        "models.providers.litellm.models[2]",
        "name.deeper",
        "models.providers.litellm.models.x",
    ],
)
def test_get_at_missing_names_the_path(text: str) -> None:
    with pytest.raises(ConfigPathNotFoundError) as caught:
        get_at(DOC, parse_path(text))
    assert str(caught.value) == f"Config path not found: {format_path(parse_path(text))}"


def test_set_at_never_mutates_its_input() -> None:
    before = copy.deepcopy(DOC)
    result = set_at(DOC, parse_path("models.providers.litellm.models[0].id"), "gpt-4o")
    assert before == DOC
    assert result["models"]["providers"]["litellm"]["models"][0]["id"] == "gpt-4o"
    assert result["agents"] == DOC["agents"]


def test_set_at_creates_missing_objects() -> None:
    result = set_at({}, parse_path("agents.defaults.model.primary"), "litellm/gpt-4")
    assert result == {"agents": {"defaults": {"model": {"primary": "litellm/gpt-4"}}}}


def test_set_at_creates_an_array_where_the_next_segment_is_numeric() -> None:
    result = set_at({}, parse_path("agents.defaults.model.fallbacks[0]"), "litellm/o1")
    assert result == {"agents": {"defaults": {"model": {"fallbacks": ["litellm/o1"]}}}}
    nested = set_at({}, parse_path("a[0].b"), 1)
    assert nested == {"a": [{"b": 1}]}


def test_set_at_index_equal_to_length_appends() -> None:
    result = set_at(DOC, parse_path("models.providers.litellm.models[2]"), {"id": "new"})
    assert [m["id"] for m in result["models"]["providers"]["litellm"]["models"]] == [
        "gpt-4",
        "o1",
        "new",
    ]
    assert len(DOC["models"]["providers"]["litellm"]["models"]) == 2


def test_set_at_replaces_array_items() -> None:
    result = set_at({"l": [1, 2, 3]}, ["l", "1"], 9)
    assert result == {"l": [1, 9, 3]}


def test_set_at_past_the_end_fills_with_null_and_warns() -> None:
    # Clawdbot's setAtPath assigns past the end; JSON writes the holes as null.
    with pytest.warns(ConfigWarning, match=r"filled positions 2\.\.4 with null"):
        after = set_at(DOC, parse_path("models.providers.litellm.models[5]"), {})
    assert after["models"]["providers"]["litellm"]["models"][2:] == [None, None, None, {}]


def test_set_at_through_a_scalar_replaces_it_and_warns() -> None:
    # Clawdbot replaces a plain value standing in the way; the value is lost, so warn.
    with pytest.warns(ConfigWarning, match=r"^name held a string; it was replaced by an object"):
        after = set_at(DOC, ["name", "deeper"], 1)
    assert after["name"] == {"deeper": 1}


def test_set_at_names_a_key_on_an_array_as_wrong() -> None:
    with pytest.raises(ConfigPathError, match=r"is an array"):
        set_at(DOC, parse_path("models.providers.litellm.models.first"), 1)


def test_set_at_needs_a_path() -> None:
    with pytest.raises(ConfigPathError, match="Path is empty"):
        set_at({}, [], 1)


def test_unset_at_removes_keys_and_array_items_without_mutating() -> None:
    before = copy.deepcopy(DOC)
    result = unset_at(DOC, parse_path("agents.defaults.models[litellm/gpt-4]"))
    assert result["agents"]["defaults"]["models"] == {}
    shorter = unset_at(DOC, parse_path("models.providers.litellm.models[0]"))
    assert shorter["models"]["providers"]["litellm"]["models"] == [{"id": "o1"}]
    assert before == DOC


def test_unset_at_missing_path() -> None:
    with pytest.raises(ConfigPathNotFoundError, match=r"Config path not found: agents.x"):
        unset_at(DOC, ["agents", "x"])


# --- parse_value --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("litellm/claude-3-opus", "litellm/claude-3-opus"),
        ("gpt-4", "gpt-4"),
        ("128000", 128000),
        ("-5", -5),
        ("1.5", 1.5),
        ("true", True),
        ("null", None),
        ('"123"', "123"),
        ("'quoted'", "quoted"),
        ("{alias: 'GPT-4',}", {"alias": "GPT-4"}),
        ('["a", "b"]', ["a", "b"]),
        ("http://localhost:4000", "http://localhost:4000"),
        ("", ""),
        ("{broken", "{broken"),
    ],
)
def test_parse_value_json5_else_string(text: str, value: Any) -> None:
    parsed = parse_value(text)
    assert parsed == value
    assert type(parsed) is type(value)


def test_parse_value_strict_json_requires_json5() -> None:
    assert parse_value("[1, 2]", strict_json=True) == [1, 2]
    with pytest.raises(ConfigError, match=r"Invalid JSON5 value '\{broken'"):
        parse_value("{broken", strict_json=True)


def test_parse_value_hides_a_secret_in_its_error() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_value("sk-live-abcdef", strict_json=True, secret=True)
    assert "sk-live" not in str(caught.value)
    assert "hidden" in str(caught.value)


@pytest.mark.parametrize("text", ["Infinity", "NaN", "[1, -Infinity]"])
def test_parse_value_refuses_what_json_cannot_hold(text: str) -> None:
    with pytest.raises(ConfigError, match="Infinity and NaN"):
        parse_value(text)
