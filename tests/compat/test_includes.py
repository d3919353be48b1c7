"""Clawdbot ``src/config/includes.ts`` (``IncludeProcessor``: ``processInclude``,
``resolveInclude``, ``deepMerge``, ``checkCircular``, ``checkDepth``) and its tests
(``includes.test.ts``). Each case names the function or test it follows; the files are ours.

Where this package's own errors differ in wording (cycles, depth, missing files) the cases check
that they still fail, and name the files, rather than Clawdbot's text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clawdbot_litellm.config.load import load_document
from clawdbot_litellm.errors import ConfigError, ConfigFileError, IncludeError


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def merged(tmp_path: Path, main: str, **files: str) -> object:
    for name, text in files.items():
        write(tmp_path / f"{name}.json5", text)
    return load_document(write(tmp_path / "main.json5", main)).merged


def test_single_include_replaces_the_object(tmp_path: Path) -> None:
    # processInclude: no sibling keys -> the included value itself.
    assert merged(tmp_path, '{ gateway: { $include: "gw.json5" } }', gw="{ port: 18789 }") == {
        "gateway": {"port": 18789}
    }


def test_include_list_merges_left_to_right_and_concatenates_arrays(tmp_path: Path) -> None:
    # includes.test.ts "merges array includes left-to-right, concatenating nested arrays"
    result = merged(
        tmp_path,
        '{ $include: ["a.json5", "b.json5"] }',
        a="{ level: 1, tags: ['x'], only: { a: true } }",
        b="{ level: 2, tags: ['y'], only: { b: true } }",
    )
    assert result == {"level": 2, "tags": ["x", "y"], "only": {"a": True, "b": True}}


def test_empty_include_list_is_an_empty_object(tmp_path: Path) -> None:
    # resolveInclude: reduce(..., {}) over no entries.
    assert merged(tmp_path, "{ talk: { $include: [] } }") == {"talk": {}}


def test_arrays_from_several_includes_concatenate(tmp_path: Path) -> None:
    # resolveInclude + deepMerge(arrays: "concat"): array files merge into one array.
    result = merged(
        tmp_path,
        '{ bindings: { $include: ["one.json5", "two.json5"] } }',
        one='[{ agentId: "home" }]',
        two='[{ agentId: "work" }, { agentId: "lab" }]',
    )
    assert result == {"bindings": [{"agentId": "home"}, {"agentId": "work"}, {"agentId": "lab"}]}


def test_an_array_only_file_stands_where_it_is_included(tmp_path: Path) -> None:
    # processInclude: `if (otherKeys.length === 0) return included` - any JSON value.
    result = merged(
        tmp_path,
        '{ agents: { defaults: { model: { fallbacks: { $include: "fb.json5" } } } } }',
        fb='["litellm/gpt-4o-mini", "anthropic/claude-opus-4-5"]',
    )
    assert result == {
        "agents": {
            "defaults": {
                "model": {"fallbacks": ["litellm/gpt-4o-mini", "anthropic/claude-opus-4-5"]}
            }
        }
    }


@pytest.mark.parametrize(("text", "value"), [('"loopback"', "loopback"), ("18789", 18789)])
def test_a_primitive_only_file_stands_where_it_is_included(
    tmp_path: Path, text: str, value: object
) -> None:
    # processInclude: the included primitive is returned as the value.
    assert merged(tmp_path, '{ gateway: { bind: { $include: "v.json5" } } }', v=text) == {
        "gateway": {"bind": value}
    }


def test_object_include_then_array_include_gives_the_array(tmp_path: Path) -> None:
    # deepMerge(object, array): neither both objects nor both arrays, so the later wins.
    result = merged(
        tmp_path, '{ x: { $include: ["obj.json5", "arr.json5"] } }', obj="{ a: 1 }", arr="[1, 2]"
    )
    assert result == {"x": [1, 2]}


def test_array_include_then_object_include_gives_the_object(tmp_path: Path) -> None:
    result = merged(
        tmp_path, '{ x: { $include: ["arr.json5", "obj.json5"] } }', obj="{ a: 1 }", arr="[1]"
    )
    assert result == {"x": {"a": 1}}


def test_primitive_then_array_gives_the_array(tmp_path: Path) -> None:
    result = merged(tmp_path, '{ x: { $include: ["p.json5", "arr.json5"] } }', p="7", arr="[1]")
    assert result == {"x": [1]}


def test_sibling_keys_merge_over_the_included_object(tmp_path: Path) -> None:
    # processInclude: deepMerge(included, rest) - siblings win for plain values, objects merge,
    # arrays concatenate (included first).
    result = merged(
        tmp_path,
        '{ agents: { $include: "agents.json5", defaults: { workspace: "~/mine",'
        ' model: { fallbacks: ["b/two"] } } } }',
        agents='{ defaults: { workspace: "~/clawd", timeoutSeconds: 600,'
        ' model: { primary: "a/one", fallbacks: ["a/fb"] } } }',
    )
    assert result == {
        "agents": {
            "defaults": {
                "workspace": "~/mine",
                "timeoutSeconds": 600,
                "model": {"primary": "a/one", "fallbacks": ["a/fb", "b/two"]},
            }
        }
    }


def test_sibling_keys_need_an_object_to_merge_into(tmp_path: Path) -> None:
    # processInclude: "Sibling keys require included content to be an object"
    write(tmp_path / "arr.json5", "[1]")
    main = write(tmp_path / "main.json5", '{ x: { $include: "arr.json5", extra: 1 } }')
    with pytest.raises(
        IncludeError, match="included content must be an object, but it is an array"
    ):
        load_document(main)


def test_nested_includes_resolve_relative_to_their_own_file(tmp_path: Path) -> None:
    # loadFile -> processNested: a nested file's includes resolve from its own directory.
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "leaf.json5", "{ leaf: true }")
    write(tmp_path / "sub" / "mid.json5", '{ $include: "leaf.json5", mid: true }')
    assert merged(tmp_path, '{ $include: "sub/mid.json5" }') == {"leaf": True, "mid": True}


def test_includes_inside_arrays_are_processed(tmp_path: Path) -> None:
    # process(): arrays map each item through process().
    result = merged(tmp_path, '{ list: [{ $include: "a.json5" }, 2] }', a="{ id: 'a' }")
    assert result == {"list": [{"id": "a"}, 2]}


def test_a_cycle_is_an_error_naming_the_chain(tmp_path: Path) -> None:
    # checkCircular (Clawdbot: "Circular include detected: a -> b -> a"); our wording, same fact.
    write(tmp_path / "a.json5", '{ $include: "b.json5" }')
    write(tmp_path / "b.json5", '{ $include: "a.json5" }')
    main = write(tmp_path / "main.json5", '{ $include: "a.json5" }')
    with pytest.raises(
        IncludeError, match=r"Include cycle: .*a\.json5 -> .*b\.json5 -> .*a\.json5"
    ):
        load_document(main)


def test_ten_levels_are_allowed_and_the_eleventh_is_not(tmp_path: Path) -> None:
    # checkDepth: MAX_INCLUDE_DEPTH = 10, checked before each load at depth >= 10.
    for level in range(1, 12):
        nxt = f'$include: "l{level + 1}.json5", ' if level < 11 else ""
        write(tmp_path / f"l{level}.json5", f"{{ {nxt}d{level}: {level} }}")
    ten = write(tmp_path / "ten.json5", '{ $include: "l2.json5" }')  # l2 .. l11: 10 levels
    assert load_document(ten).merged["d11"] == 11
    eleven = write(tmp_path / "eleven.json5", '{ $include: "l1.json5" }')  # 11 levels
    with pytest.raises(IncludeError, match="nested deeper than 10 levels"):
        load_document(eleven)


def test_a_missing_file_is_an_error_naming_both_files(tmp_path: Path) -> None:
    # readFile: "Failed to read include file"; ours names the including file and the target.
    main = write(tmp_path / "main.json5", '{ $include: "gone.json5" }')
    with pytest.raises(ConfigFileError, match=r'main\.json5: \$include "gone\.json5"'):
        load_document(main)


def test_a_non_string_entry_is_an_error(tmp_path: Path) -> None:
    # resolveInclude: "Invalid $include array item: expected string"
    main = write(tmp_path / "main.json5", "{ $include: ['a.json5', 3] }")
    with pytest.raises(ConfigError, match="must be a path or a list of paths"):
        load_document(main)
