"""Clawdbot ``src/cli/config-cli.ts`` (early 2026, before the split into config-cli-path.ts):
``parsePath``, ``getAtPath``, ``setAtPath``, ``unsetAtPath`` and the get/set/unset actions.

Each case names the function it comes from. The inputs and data are ours; the expected results
are what Clawdbot's functions return for them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from compat_support import read_json, run, write_json

from clawdbot_litellm.config.edit import set_config_value, unset_config_value
from clawdbot_litellm.config.path import get_at, parse_path, set_at, unset_at
from clawdbot_litellm.config.resolve import ConfigWarning
from clawdbot_litellm.errors import ConfigPathError, ConfigPathNotFoundError

# --- parsePath -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        # parsePath: raw.trim() first
        ("  agents.defaults  ", ["agents", "defaults"]),
        ("\tgateway.port\n", ["gateway", "port"]),
        # parsePath: "." pushes only a non-empty segment, so repeated dots vanish
        ("agents..defaults", ["agents", "defaults"]),
        (".agents.defaults.", ["agents", "defaults"]),
        ("a...b....c", ["a", "b", "c"]),
        # parsePath: "[" closes the current segment; the bracket content is one segment
        ("fallbacks[0]", ["fallbacks", "0"]),
        ("models[litellm/gpt-4].alias", ["models", "litellm/gpt-4", "alias"]),
        ("list[2][0]", ["list", "2", "0"]),  # consecutive brackets
        ("a[b][c.d]", ["a", "b", "c.d"]),
        ("a[ spaced ]", ["a", "spaced"]),  # bracket content trimmed
        ("a[0]b", ["a", "0", "b"]),  # text straight after "]" starts a new segment
        ("[x].y", ["x", "y"]),
        # parsePath: "\\" takes the next character; a lone one at the end is dropped
        ("models.gpt-4\\.1", ["models", "gpt-4.1"]),
        ("a\\[b", ["a[b"]),
        ("agents.defaults\\", ["agents", "defaults"]),
        ("a.b.\\", ["a", "b"]),
        # parsePath: parts.map(trim).filter(Boolean)
        ("a . b", ["a", "b"]),
        ("a.\\ .b", ["a", "b"]),  # an escaped space alone trims to nothing
        # escapes do not apply inside brackets (indexOf("]") finds the first one)
        ("a[x\\]y", ["a", "x\\", "y"]),
    ],
)
def test_parse_path_matches_clawdbot(text: str, segments: list[str]) -> None:
    assert parse_path(text) == segments


@pytest.mark.parametrize(
    ("text", "start"),
    [
        # parsePath: `Invalid path (missing "]")`, `Invalid path (empty "[]")`
        ("models[litellm/gpt-4", 'Invalid path (missing "]"): models[litellm/gpt-4'),
        ("models[ ].alias", 'Invalid path (empty "[]"): models[ ].alias'),
        # the get/set/unset actions: an empty parse is "Path is empty."
        ("", "Path is empty."),
        ("  ", "Path is empty."),
        ("...", "Path is empty."),
        ("\\", "Path is empty."),
    ],
)
def test_parse_path_errors_match_clawdbot(text: str, start: str) -> None:
    with pytest.raises(ConfigPathError) as caught:
        parse_path(text)
    assert str(caught.value).startswith(start)


# --- getAtPath -----------------------------------------------------------------------------------

DOC: dict[str, Any] = {
    "agents": {"defaults": {"model": {"primary": "p", "fallbacks": ["a", "b"]}}},
    "numbers": {"0": "zero-key"},
}


def test_get_reads_array_items_by_index_only() -> None:
    # getAtPath: an array needs /^[0-9]+$/ and an index inside it.
    assert get_at(DOC, parse_path("agents.defaults.model.fallbacks[1]")) == "b"
    assert get_at(DOC, parse_path("agents.defaults.model.fallbacks.0")) == "a"
    for bad in ("fallbacks[2]", "fallbacks.first", "fallbacks[-1]"):
        with pytest.raises(ConfigPathNotFoundError):
            get_at(DOC, parse_path(f"agents.defaults.model.{bad}"))


def test_get_reads_a_numeric_segment_as_an_object_key() -> None:
    # getAtPath: on an object every segment is a key, digits included.
    assert get_at(DOC, parse_path("numbers[0]")) == "zero-key"


def test_get_through_a_plain_value_is_not_found() -> None:
    # getAtPath: `if (!current || typeof current !== "object") return { found: false }`
    with pytest.raises(ConfigPathNotFoundError):
        get_at(DOC, parse_path("agents.defaults.model.primary.deeper"))


# --- setAtPath -----------------------------------------------------------------------------------


def test_set_creates_objects_and_arrays_by_the_next_segment() -> None:
    # setAtPath: nextIsIndex ? [] : {}
    after = set_at({}, parse_path("a.b[0].c"), 1)
    assert after == {"a": {"b": [{"c": 1}]}}


def test_set_past_the_end_of_an_array_fills_with_null() -> None:
    # setAtPath: `current[index] = value` past the end leaves holes, written as null.
    with pytest.warns(ConfigWarning, match=r"filled positions 2\.\.3 with null"):
        after = set_at(DOC, parse_path("agents.defaults.model.fallbacks[4]"), "e")
    assert after["agents"]["defaults"]["model"]["fallbacks"] == ["a", "b", None, None, "e"]
    assert DOC["agents"]["defaults"]["model"]["fallbacks"] == ["a", "b"]  # input untouched


def test_set_past_the_end_on_the_way_fills_with_null() -> None:
    # setAtPath, middle segments: `current[index] = nextIsIndex ? [] : {}` for a missing item.
    with pytest.warns(ConfigWarning, match="filled positions 0..1"):
        after = set_at({"l": []}, parse_path("l[2].x"), 1)
    assert after == {"l": [None, None, {"x": 1}]}


def test_set_replaces_a_plain_value_in_the_way_and_warns() -> None:
    # setAtPath: `if (!existing || typeof existing !== "object") record[segment] = {}` loses
    # the value; we keep the result and say so.
    with pytest.warns(ConfigWarning, match=r"^agents\.defaults\.model\.primary held a string"):
        after = set_at(DOC, parse_path("agents.defaults.model.primary.x"), 1)
    assert after["agents"]["defaults"]["model"]["primary"] == {"x": 1}


@pytest.mark.parametrize("empty", [None, 0, False, ""])
def test_set_replaces_empty_values_in_the_way(empty: Any, recwarn: pytest.WarningsRecorder) -> None:
    # setAtPath: `!existing` is true for null, 0, false and "" as well.
    after = set_at({"k": empty}, parse_path("k[0]"), "v")
    assert after == {"k": ["v"]}
    assert len(recwarn) == (0 if empty is None else 1)


def test_set_a_key_on_an_array_is_an_error() -> None:
    # setAtPath: `Expected numeric index for array segment`
    with pytest.raises(ConfigPathError, match="is an array, so the next segment must be an index"):
        set_at(DOC, parse_path("agents.defaults.model.fallbacks.first"), 1)


# --- unsetAtPath ---------------------------------------------------------------------------------


def test_unset_removes_an_array_item_by_splicing() -> None:
    # unsetAtPath: `current.splice(index, 1)`
    after = unset_at(DOC, parse_path("agents.defaults.model.fallbacks[0]"))
    assert after["agents"]["defaults"]["model"]["fallbacks"] == ["b"]


@pytest.mark.parametrize("path", ["agents.nothing", "agents.defaults.model.fallbacks[9]", "x.y"])
def test_unset_of_a_missing_path_is_not_found(path: str) -> None:
    # the unset action: `Config path not found: <path>`
    with pytest.raises(ConfigPathNotFoundError):
        unset_at(DOC, parse_path(path))


# --- the actions, end to end ---------------------------------------------------------------------


def test_cli_set_and_get_with_clawdbot_path_forms(tmp_path: Path) -> None:
    config = write_json(tmp_path / "c.json", {"agents": {"defaults": {"model": {}}}})
    result = run(
        [
            "--config",
            str(config),
            "config",
            "set",
            " agents..defaults.model.primary ",
            "openai/gpt-5.2",
        ]
    )
    assert result.exit_code == 0, result.output
    assert read_json(config)["agents"]["defaults"]["model"]["primary"] == "openai/gpt-5.2"
    got = run(["--config", str(config), "config", "get", "agents[defaults][model].primary\\"])
    assert got.exit_code == 0, got.output
    assert got.stdout.strip() == "openai/gpt-5.2"


def test_cli_set_past_the_end_is_refused_by_validation_with_the_warning(tmp_path: Path) -> None:
    # Clawdbot would write [null, null, "x"]; the result fails the schema, so nothing is written.
    doc = {"agents": {"defaults": {"model": {"fallbacks": []}}}}
    config = write_json(tmp_path / "c.json", doc)
    before = config.read_bytes()
    result = run(
        ["--config", str(config), "config", "set", "agents.defaults.model.fallbacks[2]", "x"]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert "fallbacks[0]: must be a string" in result.stderr
    assert "fallbacks[2]: agents.defaults.model.fallbacks had 0 item(s)" in result.stderr
    assert config.read_bytes() == before


def test_library_set_through_a_string_keeps_clawdbots_result(tmp_path: Path) -> None:
    config = write_json(tmp_path / "c.json", {"channels": {"telegram": "off"}})
    result = set_config_value("channels.telegram.enabled", True, config=config)
    assert read_json(config) == {"channels": {"telegram": {"enabled": True}}}
    assert result.notes[0].startswith("channels.telegram held a string; it was replaced")


def test_cli_set_through_a_string_prints_one_warning_line(tmp_path: Path) -> None:
    config = write_json(tmp_path / "c.json", {"channels": {"telegram": "off"}})
    result = run(["--config", str(config), "config", "set", "channels.telegram.enabled", "true"])
    assert result.exit_code == 0, result.output
    (warning,) = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert "channels.telegram held a string" in warning
    assert read_json(config) == {"channels": {"telegram": {"enabled": True}}}


def test_library_unset_of_a_missing_path_leaves_the_file(tmp_path: Path) -> None:
    config = write_json(tmp_path / "c.json", {"gateway": {"port": 18789}})
    before = config.read_bytes()
    with pytest.raises(ConfigPathNotFoundError, match=r"gateway\.mode"):
        unset_config_value("gateway.mode", config=config)
    assert config.read_bytes() == before
    assert json.loads(before) == {"gateway": {"port": 18789}}
