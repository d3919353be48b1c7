"""Reading a config: JSON5, ``$include``, the ``env`` block and ``${VAR}`` (spec sections 1-2)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from clawdbot_litellm.config.load import (
    MAX_INCLUDE_DEPTH,
    deep_merge,
    effective_environ,
    env_block,
    expand_document,
    load_document,
    origin_of,
    origin_tree,
    parse_json5,
    references,
    substitute,
    substitute_string,
)
from clawdbot_litellm.errors import (
    ConfigError,
    ConfigFileError,
    ConfigSyntaxError,
    IncludeError,
    MissingEnvVarError,
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- JSON5 ---------------------------------------------------------------------------------------


def test_json5_features_clawdbot_users_write() -> None:
    text = """
    // line comment
    {
      /* block
         comment */
      unquoted: 'single quoted',
      "quoted": "double",
      hex: 0x1F400,
      half: .5,
      positive: +3,
      list: [1, 2, 3,],
      nested: { trailing: true, },
    }
    """
    assert parse_json5(text, "c.json5") == {
        "unquoted": "single quoted",
        "quoted": "double",
        "hex": 128000,
        "half": 0.5,
        "positive": 3,
        "list": [1, 2, 3],
        "nested": {"trailing": True},
    }


def test_byte_order_mark_is_not_content(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes("\ufeff{a: 1}".encode())
    assert load_document(path).raw == {"a": 1}


@pytest.mark.parametrize("text", ["", "  \n\t", "// nothing here yet\n", "/* empty */"])
def test_a_file_without_content_is_an_empty_config(text: str) -> None:
    assert parse_json5(text, "c.json5") == {}


# (text, line, column, the character the column must point at, words the detail must contain)
SYNTAX_ERRORS = [
    ("{a: 1,, }", 1, 7, ",", "unexpected ','"),
    ("{\n  a: 1\n  b: 2\n}", 3, 3, "b", "expected ',' or '}', found 'b'"),
    ('{\n  "a": tru\n}', 2, 11, "\n", "expected 'e'"),
    ("{a: [1, 2}", 1, 10, "}", "expected ',' or ']'"),
    ("{a: 1}\n\n  ]", 3, 3, "]", "after the end of the value"),
    ("{a: 1} // done\n /* really */ x", 2, 15, "x", "after the end of the value"),
    ("{\n  a: @\n}", 2, 6, "@", "expected a value"),
    ("{a /* why */ 1}", 1, 14, "1", "expected ':'"),
    ("{a: 1, 3b: 2}", 1, 8, "3", "expected a key"),
    ('{\n  a: "\\u12G4"\n}', 2, 11, "G", "hex digit"),
    ("{ key: 'x' 'y' }", 1, 12, "'", "expected ','"),
    ("\ufeff{\n  a: 1,,\n}", 2, 8, ",", "unexpected ','"),
    ("{\r\n  a: 1,,\r\n}", 2, 8, ",", "unexpected ','"),
    ("{é: 1, ü: @}", 1, 11, "@", "expected a value"),
    ("\t{a: 😀, b: 1}", 1, 6, "😀", "expected a value"),
]


@pytest.mark.parametrize(("text", "line", "column", "char", "detail"), SYNTAX_ERRORS)
def test_syntax_error_points_at_the_bad_character(
    text: str, line: int, column: int, char: str, detail: str
) -> None:
    with pytest.raises(ConfigSyntaxError) as caught:
        parse_json5(text, "/etc/clawdbot.json")
    error = caught.value
    assert (error.file, error.line, error.column) == ("/etc/clawdbot.json", line, column)
    lines = text.removeprefix("\ufeff").split("\n")
    shown = lines[line - 1][column - 1] if column <= len(lines[line - 1]) else "\n"
    assert shown == char
    assert detail in error.detail
    assert str(error).startswith(f"/etc/clawdbot.json:{line}:{column}: invalid JSON5: ")


@pytest.mark.parametrize(
    ("text", "line", "column", "what"),
    [
        ("{\n  a: 1,\n", 1, 1, "object"),
        ('{\n  a: "never closed\n}', 2, 6, "string"),
        ("{\n  a: [1,\n  2,", 2, 6, "array"),
        ("{a: 1, /* forgot to close", 1, 8, "comment"),
    ],
)
def test_unclosed_value_points_where_it_opens(text: str, line: int, column: int, what: str) -> None:
    with pytest.raises(ConfigSyntaxError) as caught:
        parse_json5(text, "c.json5")
    assert (caught.value.line, caught.value.column) == (line, column)
    assert f"{what} starting here is never closed" in caught.value.detail


def test_syntax_error_in_a_file_names_that_file(tmp_path: Path) -> None:
    path = write(tmp_path / "clawdbot.json", '{\n  models: {\n    mode: "merge"\n    x: 1\n  }\n}')
    with pytest.raises(ConfigSyntaxError) as caught:
        load_document(path)
    assert str(caught.value).startswith(f"{path}:4:5: ")


def test_syntax_error_in_an_included_file_names_the_included_file(tmp_path: Path) -> None:
    main = write(tmp_path / "main.json5", '{ $include: "part.json5" }')
    part = write(tmp_path / "part.json5", "{\n  a: 1,\n  b: ]\n}")
    with pytest.raises(ConfigSyntaxError) as caught:
        load_document(main)
    assert (caught.value.file, caught.value.line, caught.value.column) == (str(part), 3, 6)


# --- reading files -------------------------------------------------------------------------------


def test_missing_file_is_an_empty_config(tmp_path: Path) -> None:
    document = load_document(tmp_path / "nope" / "clawdbot.json")
    assert (document.exists, document.raw, document.merged, document.text) == (False, {}, {}, "")


def test_non_utf8_file_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{name: "caf\xe9"}'.encode("latin-1"))
    with pytest.raises(ConfigFileError) as caught:
        load_document(path)
    message = str(caught.value)
    assert str(path) in message
    assert "UTF-8" in message
    assert "offset 11" in message


def test_directory_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="is a directory"):
        load_document(tmp_path)


def test_unreadable_file_is_a_file_error(tmp_path: Path) -> None:
    path = write(tmp_path / "secret.json", "{}")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: a chmod 000 file is still readable")
        with pytest.raises(ConfigFileError) as caught:
            load_document(path)
        assert str(path) in str(caught.value)
        assert "permission denied" in str(caught.value)
    finally:
        path.chmod(0o600)


def test_permission_error_becomes_a_file_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same mapping, reachable as root too (root reads chmod 000 files)."""
    path = write(tmp_path / "secret.json", "{}")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(ConfigFileError) as caught:
        load_document(path)
    assert str(caught.value) == (
        f"{path} cannot be read (permission denied); fix its permissions (chmod 600)"
    )


@pytest.mark.parametrize(
    ("text", "kind"), [("[1, 2]", "an array"), ('"x"', "a string"), ("null", "null")]
)
def test_top_level_must_be_an_object(tmp_path: Path, text: str, kind: str) -> None:
    path = write(tmp_path / "clawdbot.json", text)
    with pytest.raises(ConfigFileError) as caught:
        load_document(path)
    assert str(caught.value) == f"{path}: the config must be an object ({{ ... }}), not {kind}"


def test_document_repr_leaves_out_the_content(tmp_path: Path) -> None:
    path = write(tmp_path / "clawdbot.json", '{ models: { apiKey: "sk-plaintext-secret" } }')
    assert "sk-plaintext-secret" not in repr(load_document(path))


def test_all_file_errors_are_config_errors() -> None:
    for kind in (ConfigFileError, ConfigSyntaxError, IncludeError, MissingEnvVarError):
        assert issubclass(kind, ConfigError)


# --- $include ------------------------------------------------------------------------------------


def test_include_string_with_sibling_keys(tmp_path: Path) -> None:
    write(
        tmp_path / "base.json5",
        '{ gateway: { port: 1, mode: "local" }, logging: { level: "debug" } }',
    )
    main = write(tmp_path / "main.json5", '{ $include: "base.json5", gateway: { port: 2 } }')
    document = load_document(main)
    assert document.merged == {
        "gateway": {"port": 2, "mode": "local"},
        "logging": {"level": "debug"},
    }
    assert document.raw == {"$include": "base.json5", "gateway": {"port": 2}}


def test_include_list_merges_in_order(tmp_path: Path) -> None:
    write(tmp_path / "a.json5", "{ x: 1, y: { a: 1 }, z: [1] }")
    write(tmp_path / "b.json5", "{ x: 2, y: { b: 2 }, z: [2] }")
    main = write(tmp_path / "main.json5", '{ $include: ["a.json5", "b.json5"] }')
    assert load_document(main).merged == {"x": 2, "y": {"a": 1, "b": 2}, "z": [1, 2]}


def test_include_paths_are_relative_to_the_including_file(tmp_path: Path) -> None:
    write(tmp_path / "conf" / "parts" / "models.json5", '{ $include: "../shared/mode.json5" }')
    write(tmp_path / "conf" / "shared" / "mode.json5", '{ mode: "replace" }')
    main = write(tmp_path / "conf" / "main.json5", '{ models: { $include: "parts/models.json5" } }')
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    cwd = Path.cwd()
    os.chdir(elsewhere)
    try:
        assert load_document(main).merged == {"models": {"mode": "replace"}}
    finally:
        os.chdir(cwd)


def test_absolute_include_path(tmp_path: Path) -> None:
    part = write(tmp_path / "elsewhere" / "part.json5", "{ a: 1 }")
    main = write(tmp_path / "main.json5", f'{{ $include: "{part}" }}')
    assert load_document(main).merged == {"a": 1}


def test_include_inside_nested_object_and_list_item(tmp_path: Path) -> None:
    write(tmp_path / "providers.json5", '{ lmstudio: { baseUrl: "http://127.0.0.1:1234/v1" } }')
    write(tmp_path / "agent.json5", '{ workspace: "~/clawd" }')
    main = write(
        tmp_path / "main.json5",
        """{
          models: { providers: { $include: "providers.json5", other: { baseUrl: "x" } } },
          agents: { list: [{ id: "main", $include: "agent.json5" }] },
        }""",
    )
    assert load_document(main).merged == {
        "models": {
            "providers": {
                "lmstudio": {"baseUrl": "http://127.0.0.1:1234/v1"},
                "other": {"baseUrl": "x"},
            }
        },
        "agents": {"list": [{"workspace": "~/clawd", "id": "main"}]},
    }


def test_nested_includes_inside_included_objects(tmp_path: Path) -> None:
    write(tmp_path / "one.json5", '{ models: { $include: "two.json5" }, a: 1 }')
    write(tmp_path / "two.json5", '{ mode: "merge", providers: {} }')
    main = write(tmp_path / "main.json5", '{ $include: "one.json5" }')
    assert load_document(main).merged == {"models": {"mode": "merge", "providers": {}}, "a": 1}


def chain_of_includes(directory: Path, hops: int) -> Path:
    """main.json5 -> 1.json5 -> ... -> <hops>.json5, each include one level deeper."""
    for level in range(1, hops):
        write(directory / f"{level}.json5", f'{{ $include: "{level + 1}.json5", l{level}: true }}')
    write(directory / f"{hops}.json5", f"{{ l{hops}: true }}")
    return write(directory / "main.json5", '{ $include: "1.json5" }')


def test_ten_levels_of_includes_work(tmp_path: Path) -> None:
    assert MAX_INCLUDE_DEPTH == 10
    merged = load_document(chain_of_includes(tmp_path, 10)).merged
    assert merged == {f"l{level}": True for level in range(1, 11)}


def test_eleven_levels_of_includes_fail(tmp_path: Path) -> None:
    with pytest.raises(IncludeError, match="deeper than 10 levels") as caught:
        load_document(chain_of_includes(tmp_path, 11))
    assert str(tmp_path / "11.json5") in str(caught.value)


def test_include_cycle_is_reported_as_a_chain(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json5", '{ $include: "b.json5" }')
    b = write(tmp_path / "b.json5", '{ $include: "a.json5" }')
    with pytest.raises(IncludeError) as caught:
        load_document(a)
    assert f"Include cycle: {a} -> {b} -> {a}." in str(caught.value)


def test_cycle_that_does_not_start_at_the_root(tmp_path: Path) -> None:
    main = write(tmp_path / "main.json5", '{ $include: "a.json5" }')
    a = write(tmp_path / "a.json5", '{ x: { $include: "b.json5" } }')
    b = write(tmp_path / "b.json5", '{ $include: "./a.json5" }')
    with pytest.raises(IncludeError) as caught:
        load_document(main)
    assert f"{a} -> {b} -> {a}." in str(caught.value)
    assert str(main) not in str(caught.value).split("Include cycle:")[1]


def test_file_including_itself_is_a_cycle(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json5", '{ $include: "a.json5" }')
    with pytest.raises(IncludeError, match="cycle"):
        load_document(a)
    assert a.exists()


def test_same_file_included_twice_is_not_a_cycle(tmp_path: Path) -> None:
    write(tmp_path / "shared.json5", "{ s: [1] }")
    write(tmp_path / "x.json5", '{ $include: "shared.json5" }')
    main = write(tmp_path / "main.json5", '{ $include: ["shared.json5", "x.json5"] }')
    assert load_document(main).merged == {"s": [1, 1]}


@pytest.mark.parametrize(
    ("content", "kind"), [("[1]", "an array"), ('"text"', "a string"), ("42", "a number")]
)
def test_include_of_a_non_object_at_the_top(tmp_path: Path, content: str, kind: str) -> None:
    # Clawdbot includes any JSON value; at the top of the file it must still be an object.
    write(tmp_path / "part.json5", content)
    main = write(tmp_path / "main.json5", '{ $include: "part.json5" }')
    with pytest.raises(IncludeError) as caught:
        load_document(main)
    assert f"the top-level $include makes the config {kind}, not an object" in str(caught.value)


def test_missing_include_names_the_target_and_the_including_file(tmp_path: Path) -> None:
    main = write(tmp_path / "main.json5", '{ models: { $include: "gone.json5" } }')
    with pytest.raises(ConfigFileError) as caught:
        load_document(main)
    message = str(caught.value)
    assert message.startswith(f'{main}: $include "gone.json5" at models names a missing file')
    assert str(tmp_path / "gone.json5") in message


def test_include_of_a_directory(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    main = write(tmp_path / "main.json5", '{ $include: "dir" }')
    with pytest.raises(ConfigFileError, match=r'\$include "dir" at <root> names a directory'):
        load_document(main)


@pytest.mark.parametrize("spec", ["42", '["a.json5", 1]', "{ a: 1 }"])
def test_include_value_must_be_paths(tmp_path: Path, spec: str) -> None:
    main = write(tmp_path / "main.json5", f"{{ gateway: {{ $include: {spec} }} }}")
    with pytest.raises(IncludeError, match=r"\$include at gateway must be a path or a list"):
        load_document(main)


def test_include_keeps_dollar_vars_for_later(tmp_path: Path) -> None:
    write(tmp_path / "part.json5", '{ apiKey: "${LITELLM_API_KEY}" }')
    main = write(tmp_path / "main.json5", '{ $include: "part.json5" }')
    assert load_document(main).merged == {"apiKey": "${LITELLM_API_KEY}"}


def test_expand_document_works_on_a_document_not_on_disk(tmp_path: Path) -> None:
    write(tmp_path / "part.json5", "{ a: 1 }")
    document = expand_document(tmp_path / "new.json", {"$include": "part.json5", "b": 2})
    assert document.merged == {"a": 1, "b": 2}


# --- deep merge and origins ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "over", "merged"),
    [
        ({"a": {"x": 1, "y": 1}}, {"a": {"y": 2, "z": 2}}, {"a": {"x": 1, "y": 2, "z": 2}}),
        ({"a": [1, 2]}, {"a": [2, 3]}, {"a": [1, 2, 2, 3]}),
        ({"a": 1}, {"a": "one"}, {"a": "one"}),
        ({"a": {"x": 1}}, {"a": 5}, {"a": 5}),
        ({"a": 5}, {"a": {"x": 1}}, {"a": {"x": 1}}),
        ({"a": [1]}, {"a": {"x": 1}}, {"a": {"x": 1}}),
        ({"a": True}, {"a": None}, {"a": None}),
    ],
)
def test_deep_merge_rules(base: dict[str, Any], over: dict[str, Any], merged: Any) -> None:
    result, _ = deep_merge(base, over, origin_tree(base, "base"), origin_tree(over, "over"))
    assert result == merged


def test_deep_merge_does_not_change_its_inputs() -> None:
    base, over = {"a": {"x": [1]}}, {"a": {"x": [2]}}
    deep_merge(base, over, origin_tree(base, "b"), origin_tree(over, "o"))
    assert (base, over) == ({"a": {"x": [1]}}, {"a": {"x": [2]}})


def test_origins_follow_each_value_to_its_file(tmp_path: Path) -> None:
    part = write(tmp_path / "part.json5", "{ a: { from_part: 1, both: 1 }, list: [1] }")
    main = write(tmp_path / "main.json5", '{ $include: "part.json5", a: { both: 2 }, list: [2] }')
    document = load_document(main)
    resolved_main = str(main.resolve())
    assert origin_of(document.origins, ["a", "from_part"]) == str(part.resolve())
    assert origin_of(document.origins, ["a", "both"]) == resolved_main
    assert origin_of(document.origins, ["list", 0]) == str(part.resolve())
    assert origin_of(document.origins, ["list", 1]) == resolved_main
    assert origin_of(document.origins, ["a"]) == str(part.resolve())  # its first leaf
    assert origin_of(document.origins, ["a", "missing"]) is None
    assert origin_of(document.origins, ["list", 5]) is None


# --- env block -----------------------------------------------------------------------------------


def test_env_block_reads_vars_and_top_level_strings() -> None:
    document = {
        "env": {
            "TOP": "t",
            "vars": {"NESTED": "n", "NUMBER": 3},
            "shellEnv": {"enabled": True},
            "FLAG": True,
        }
    }
    assert env_block(document) == {"TOP": "t", "NESTED": "n"}


@pytest.mark.parametrize("document", [{}, {"env": "x"}, {"env": None}, {"env": {"vars": [1]}}])
def test_env_block_of_other_shapes_is_empty(document: dict[str, Any]) -> None:
    assert env_block(document) == {}


def test_env_block_fills_unset_and_blank_only() -> None:
    document = {"env": {"UNSET": "u", "vars": {"BLANK": "b", "SPACES": "s", "SET": "new"}}}
    environ = {"BLANK": "", "SPACES": "  ", "SET": "old", "OTHER": "o"}
    merged, from_block = effective_environ(document, environ)
    assert merged == {"UNSET": "u", "BLANK": "b", "SPACES": "s", "SET": "old", "OTHER": "o"}
    assert from_block == {"UNSET", "BLANK", "SPACES"}
    assert environ == {"BLANK": "", "SPACES": "  ", "SET": "old", "OTHER": "o"}


def test_env_block_never_touches_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLAWDBOT_LITELLM_TEST_ONLY", raising=False)
    merged, _ = effective_environ({"env": {"CLAWDBOT_LITELLM_TEST_ONLY": "x"}}, os.environ)
    assert merged["CLAWDBOT_LITELLM_TEST_ONLY"] == "x"
    assert "CLAWDBOT_LITELLM_TEST_ONLY" not in os.environ


# --- ${VAR} --------------------------------------------------------------------------------------

ENV = {"BASE": "http://proxy:4000", "KEY": "sk-123", "A": "1", "B_2": "2", "_U": "u"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${KEY}", "sk-123"),
        ("${BASE}/v1", "http://proxy:4000/v1"),
        ("Bearer ${KEY}!", "Bearer sk-123!"),
        ("${A}${B_2}-${_U}", "12-u"),
        ("$${KEY}", "${KEY}"),
        ("$${UNSET_IS_FINE}", "${UNSET_IS_FINE}"),
        ("pre $${A} ${A}", "pre ${A} 1"),
        ("$$${A}", "$${A}"),
        ("${lower}", "${lower}"),
        ("${Mixed}", "${Mixed}"),
        ("${1ABC}", "${1ABC}"),
        ("${KEY", "${KEY"),
        ("${ KEY }", "${ KEY }"),
        ("${}", "${}"),
        ("$KEY", "$KEY"),
        ("{KEY}", "{KEY}"),
        ("cost is $5", "cost is $5"),
        ("", ""),
    ],
)
def test_var_grammar(text: str, expected: str) -> None:
    assert substitute_string(text, ENV, "x") == expected


def test_only_string_values_are_substituted_never_keys() -> None:
    value = {
        "${KEY}": "${KEY}",
        "n": 1,
        "f": 1.5,
        "b": True,
        "none": None,
        "list": ["${A}", 2, {"deep": "${B_2}"}],
    }
    assert substitute(value, ENV) == {
        "${KEY}": "sk-123",
        "n": 1,
        "f": 1.5,
        "b": True,
        "none": None,
        "list": ["1", 2, {"deep": "2"}],
    }


def test_substitute_does_not_change_its_input() -> None:
    value = {"a": ["${A}"]}
    substitute(value, ENV)
    assert value == {"a": ["${A}"]}


MISSING_DOC = {
    "models": {"providers": {"litellm": {"baseUrl": "x", "models": [{"id": "${MODEL_ID}"}]}}}
}


@pytest.mark.parametrize("environ", [{}, {"MODEL_ID": ""}])
def test_missing_or_empty_variable_names_variable_and_path(environ: dict[str, str]) -> None:
    with pytest.raises(MissingEnvVarError) as caught:
        substitute(MISSING_DOC, environ)
    error = caught.value
    assert (error.var, error.config_path) == ("MODEL_ID", "models.providers.litellm.models[0].id")
    clawdbot_text = (
        'Missing env var "MODEL_ID" referenced at config path: '
        "models.providers.litellm.models[0].id"
    )
    message = str(error)
    assert message.startswith(clawdbot_text + ". ")
    hint = message[len(clawdbot_text) + 2 :]
    assert "Export MODEL_ID" in hint
    assert "env" in hint


def test_whitespace_value_counts_as_set() -> None:
    assert substitute_string("${A}", {"A": " "}, "x") == " "


def test_keep_missing_leaves_the_reference_as_written() -> None:
    assert substitute(MISSING_DOC, {}, keep_missing=True) == MISSING_DOC
    assert substitute_string("${A}/${NOPE}", {"A": "1"}, "x", keep_missing=True) == "1/${NOPE}"


def test_references_lists_every_variable_and_its_path() -> None:
    document = {
        "env": {"X": "$${ESCAPED}"},
        "models": {"providers": {"p": {"apiKey": "${KEY}", "h": ["${A}-${B}"]}}},
    }
    assert references(document) == [
        ("KEY", "models.providers.p.apiKey"),
        ("A", "models.providers.p.h[0]"),
        ("B", "models.providers.p.h[0]"),
    ]
