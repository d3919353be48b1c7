from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pyjson5
import pytest
from click.testing import CliRunner

from clawdbot_litellm.cli import cli, main

SEED_PAGE = """\
{
  env: { LITELLM_API_KEY: "sk-seed-secret-0123456789" },
  agents: {
    defaults: {
      model: { primary: "litellm/gpt-4" },
      models: { "litellm/gpt-4": { alias: "GPT-4" } }
    }
  },
  models: {
    mode: "merge",
    providers: {
      litellm: {
        baseUrl: "http://localhost:4000",
        apiKey: "${LITELLM_API_KEY}",
        api: "openai-completions",
        models: [
          { id: "gpt-4", name: "GPT-4", contextWindow: 128000, maxTokens: 8192 },
          { id: "claude-3-opus", name: "Claude Opus", contextWindow: 200000, maxTokens: 4096 },
          { id: "gemini-pro", name: "Gemini Pro", contextWindow: 32000, maxTokens: 8192 }
        ]
      }
    }
  }
}
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "clawdbot.json"
    path.write_text(SEED_PAGE)
    return path


def run(config: Path, *args: str) -> Any:
    """Through CliRunner (click's own exit handling)."""
    return CliRunner().invoke(cli, ["--config", str(config), "config", *args])


def run_main(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> tuple[int, str, str]:
    """Through main(): our errors become ``Error: ...`` on stderr and exit 1."""
    code: Any = 0
    try:
        code = main(["--config", str(config), "config", *args])
    except SystemExit as done:
        code = done.code
    out, err = capsys.readouterr()
    return int(code or 0), out, err


def read(path: Path) -> Any:
    return pyjson5.decode(path.read_text())


# --- get ----------------------------------------------------------------------------------------


def test_get_prints_scalars_plainly(config_file: Path) -> None:
    result = run(config_file, "get", "agents.defaults.model.primary")
    assert result.exit_code == 0
    assert result.output == "litellm/gpt-4\n"
    assert (
        run(config_file, "get", "models.providers.litellm.models[1].maxTokens").output == "4096\n"
    )
    assert (
        run(config_file, "get", "models.providers.litellm.models[0].reasoning").output == "false\n"
    )


def test_get_prints_objects_as_json_with_defaults(config_file: Path) -> None:
    result = run(config_file, "get", "models.providers.litellm.models[2]")
    assert result.exit_code == 0
    model = json.loads(result.output)
    assert model["id"] == "gemini-pro"
    assert model["input"] == ["text"]  # the resolved value carries Clawdbot's defaults
    assert model["reasoning"] is False


def test_get_json_flag_always_prints_json(config_file: Path) -> None:
    result = run(config_file, "get", "agents.defaults.model.primary", "--json")
    assert json.loads(result.output) == "litellm/gpt-4"
    assert result.output.startswith('"')


def test_get_bracket_path(config_file: Path) -> None:
    result = run(config_file, "get", "agents.defaults.models[litellm/gpt-4].alias")
    assert result.output == "GPT-4\n"


def test_get_masks_secrets_unless_asked(config_file: Path) -> None:
    masked = run(config_file, "get", "models.providers.litellm.apiKey")
    assert masked.exit_code == 0
    assert "sk-seed-secret-0123456789" not in masked.output
    assert masked.output == "sk-…6789\n"
    whole = run(config_file, "get", "env")
    assert "0123456789" not in whole.output
    shown = run(config_file, "get", "models.providers.litellm.apiKey", "--show-secrets")
    assert shown.output == "sk-seed-secret-0123456789\n"


def test_get_raw_shows_the_file_as_written(config_file: Path) -> None:
    result = run(config_file, "get", "models.providers.litellm.apiKey", "--raw")
    assert result.output == "${LITELLM_API_KEY}\n"


def test_get_missing_path(capsys: pytest.CaptureFixture[str], config_file: Path) -> None:
    code, out, err = run_main(capsys, config_file, "get", "agents.defaults.nothing")
    assert code == 1
    assert out == ""
    assert err == "Error: Config path not found: agents.defaults.nothing\n"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("agents.models[litellm/gpt-4", 'Error: Invalid path (missing "]")'),
        ("agents.models[].alias", 'Error: Invalid path (empty "[]")'),
        (" ", "Error: Path is empty."),
    ],
)
def test_get_bad_path(
    capsys: pytest.CaptureFixture[str], config_file: Path, path: str, message: str
) -> None:
    code, _, err = run_main(capsys, config_file, "get", path)
    assert code == 1
    assert err.startswith(message)


def test_invalid_existing_config_lists_each_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{models: {providers: {litellm: {baseUrl: "ftp://x", modls: [], models: []}}}}')
    code, _, err = run_main(capsys, path, "get", "models")
    assert code == 1
    assert err.startswith(f"Error: Invalid config {path} (2 problems):\n")
    assert "\n- models.providers.litellm.modls: unknown key" in err
    assert "\n- models.providers.litellm.baseUrl: 'ftp://x' is not an http(s) URL" in err
    assert "Traceback" not in err


# --- set ----------------------------------------------------------------------------------------


def test_set_as_on_the_seed_page(
    capsys: pytest.CaptureFixture[str], config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_API_KEY", "sk-from-shell-0123456789")
    code, out, err = run_main(
        capsys, config_file, "set", "agents.defaults.model.primary", "litellm/claude-3-opus"
    )
    assert code == 0
    assert out == (
        f'Set agents.defaults.model.primary = "litellm/claude-3-opus" in {config_file}\n'
    )
    assert err == ""
    data = read(config_file)
    assert data["agents"]["defaults"]["model"]["primary"] == "litellm/claude-3-opus"
    assert data["models"]["providers"]["litellm"]["apiKey"] == "${LITELLM_API_KEY}"
    assert "sk-from-shell" not in config_file.read_text()
    assert run(config_file, "get", "agents.defaults.model.primary").output == (
        "litellm/claude-3-opus\n"
    )


def test_set_refuses_an_unknown_ref_and_leaves_the_file(
    capsys: pytest.CaptureFixture[str], config_file: Path
) -> None:
    before = config_file.read_bytes()
    code, out, err = run_main(
        capsys, config_file, "set", "agents.defaults.model.primary", "litellm/nope"
    )
    assert code == 1
    assert out == ""
    assert "- agents.defaults.model.primary: Unknown model: litellm/nope" in err
    assert "litellm/claude-3-opus" in err
    assert config_file.read_bytes() == before


def test_set_parses_json5_values(config_file: Path) -> None:
    assert run(config_file, "set", "gateway.port", "18789").exit_code == 0
    assert (
        run(
            config_file, "set", "agents.defaults.model.fallbacks", "['litellm/gemini-pro']"
        ).exit_code
        == 0
    )
    assert run(config_file, "set", "gateway.offset", "-5").exit_code == 0
    data = read(config_file)
    assert data["gateway"] == {"port": 18789, "offset": -5}
    assert data["agents"]["defaults"]["model"]["fallbacks"] == ["litellm/gemini-pro"]


def test_set_json_flag_makes_json5_mandatory(
    capsys: pytest.CaptureFixture[str], config_file: Path
) -> None:
    before = config_file.read_bytes()
    code, _, err = run_main(capsys, config_file, "set", "gateway.mode", "local", "--json")
    assert code == 1
    assert err.startswith("Error: Invalid JSON5 value 'local'")
    assert config_file.read_bytes() == before
    code, _, _ = run_main(capsys, config_file, "set", "gateway.mode", '"local"', "--json")
    assert code == 0
    assert read(config_file)["gateway"]["mode"] == "local"


def test_set_secret_is_masked_in_messages(
    capsys: pytest.CaptureFixture[str], config_file: Path
) -> None:
    code, out, _ = run_main(
        capsys, config_file, "set", "env.OPENAI_API_KEY", "sk-new-0123456789abcd"
    )
    assert code == 0
    assert "sk-new-0123456789abcd" not in out
    assert "sk-…abcd" in out
    assert read(config_file)["env"]["OPENAI_API_KEY"] == "sk-new-0123456789abcd"
    code, _, err = run_main(capsys, config_file, "set", "env.OPENAI_API_KEY", "sk-bad", "--json")
    assert code == 1
    assert "sk-bad" not in err


@pytest.mark.parametrize("stdin", ["sk-piped-0123456789abcd\n", "sk-piped-0123456789abcd"])
def test_set_reads_a_dash_value_from_stdin(config_file: Path, stdin: str) -> None:
    """``config set PATH -``: the key never has to be on the command line (ps, history)."""
    from cli_support import run as run_entry

    result = run_entry(
        ["--config", str(config_file), "config", "set", "models.providers.litellm.apiKey", "-"],
        input=stdin,
    )
    assert result.exit_code == 0, result.output
    assert "sk-piped-0123456789abcd" not in result.output
    assert "sk-…abcd" in result.stdout
    provider = read(config_file)["models"]["providers"]["litellm"]
    assert provider["apiKey"] == "sk-piped-0123456789abcd"  # the shell's newline is not kept


def test_set_with_a_dash_and_nothing_on_stdin_is_refused(config_file: Path) -> None:
    from cli_support import run as run_entry

    before = config_file.read_text()
    result = run_entry(["--config", str(config_file), "config", "set", "env.X_KEY", "-"], input="")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Value for env.X_KEY: standard input was empty")
    assert config_file.read_text() == before


def test_set_warns_when_comments_are_dropped(
    capsys: pytest.CaptureFixture[str], config_file: Path
) -> None:
    config_file.write_text("// keep me\n" + SEED_PAGE)
    code, out, err = run_main(capsys, config_file, "set", "gateway.port", "1")
    assert code == 0
    assert out.startswith("Set gateway.port = 1")
    lines = err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"Warning: {config_file} had JSON5 comments")


def test_set_base_url_drops_v1_once_and_keeps_a_reference_as_written(
    capsys: pytest.CaptureFixture[str], config_file: Path
) -> None:
    path = "models.providers.litellm.baseUrl"
    code, out, err = run_main(capsys, config_file, "set", path, "http://proxy:4000/v1")
    assert code == 0
    assert out.startswith('Set models.providers.litellm.baseUrl = "http://proxy:4000" in ')
    assert err == (
        "Note: stored http://proxy:4000 without the /v1: the client appends /v1 itself (requests "
        "go to http://proxy:4000/v1/...)\n"
    )
    code, out, err = run_main(capsys, config_file, "set", path, "${PROXY_URL}/v1")
    assert code == 0
    assert out.startswith('Set models.providers.litellm.baseUrl = "${PROXY_URL}/v1" in ')
    assert read(config_file)["models"]["providers"]["litellm"]["baseUrl"] == "${PROXY_URL}/v1"
    assert "Note:" not in err


def test_set_same_value_writes_nothing(config_file: Path) -> None:
    before = config_file.stat().st_mtime_ns
    result = run(config_file, "set", "agents.defaults.model.primary", "litellm/gpt-4")
    assert result.exit_code == 0
    assert "not written" in result.output
    assert config_file.stat().st_mtime_ns == before


def test_set_creates_a_missing_file(tmp_path: Path) -> None:
    target = tmp_path / "fresh" / "clawdbot.json"
    result = run(target, "set", "agents.defaults.models[litellm/gpt-4].alias", "GPT-4")
    assert result.exit_code == 0
    assert read(target) == {
        "agents": {"defaults": {"models": {"litellm/gpt-4": {"alias": "GPT-4"}}}}
    }


# --- unset --------------------------------------------------------------------------------------


def test_unset(capsys: pytest.CaptureFixture[str], config_file: Path) -> None:
    code, out, _ = run_main(
        capsys, config_file, "unset", "agents.defaults.models[litellm/gpt-4].alias"
    )
    assert code == 0
    assert out == f"Removed agents.defaults.models[litellm/gpt-4].alias in {config_file}\n"
    assert read(config_file)["agents"]["defaults"]["models"] == {"litellm/gpt-4": {}}
    code, _, err = run_main(
        capsys, config_file, "unset", "agents.defaults.models[litellm/gpt-4].alias"
    )
    assert code == 1
    assert err == "Error: Config path not found: agents.defaults.models[litellm/gpt-4].alias\n"


def test_unset_refuses_what_breaks_the_config(
    capsys: pytest.CaptureFixture[str], config_file: Path
) -> None:
    before = config_file.read_bytes()
    code, _, err = run_main(capsys, config_file, "unset", "models.providers.litellm.baseUrl")
    assert code == 1
    assert "- models.providers.litellm.baseUrl: required, but missing" in err
    assert config_file.read_bytes() == before


# --- validate -----------------------------------------------------------------------------------


def test_validate_ok(config_file: Path) -> None:
    result = run(config_file, "validate")
    assert result.exit_code == 0
    assert result.output == f"Config OK: {config_file}\n"


def test_validate_prints_every_problem(config_file: Path) -> None:
    data = read(config_file)
    data["env"] = {}
    data["agents"]["defaults"]["model"]["fallbacks"] = ["litellm/gone"]
    data["models"]["providers"]["litellm"]["models"][0]["temprature"] = 1
    config_file.write_text(json.dumps(data))
    result = run(config_file, "validate")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == f"Invalid config {config_file} (2 problems):"
    assert lines[1].startswith(
        '- models.providers.litellm.apiKey: missing env var "LITELLM_API_KEY"'
    )
    assert lines[2].startswith("- models.providers.litellm.models[0].temprature: unknown key")
    assert len(lines) == 3  # a schema problem hides the ref checks, which need a valid schema

    del data["models"]["providers"]["litellm"]["models"][0]["temprature"]
    config_file.write_text(json.dumps(data))
    result = run(config_file, "validate", "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["valid"] is False
    assert report["file"] == str(config_file)
    assert [p["path"] for p in report["problems"]] == [
        "models.providers.litellm.apiKey",
        "agents.defaults.model.fallbacks[0]",
    ]


def test_validate_exits_1_through_main(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{ a: }")
    code, out, _ = run_main(capsys, path, "validate")
    assert code == 1
    # The file is named once, in the heading; the problem line gives the position.
    assert out.splitlines() == [
        f"Invalid config {path} (1 problem):",
        "- line 1, column 6: invalid JSON5: expected a value, found '}'. Fix the syntax at that "
        "position (JSON5 allows comments, trailing commas and unquoted keys).",
    ]
    assert out.count(str(path)) == 1


def test_validate_missing_file(tmp_path: Path) -> None:
    result = run(tmp_path / "none.json", "validate", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output)["exists"] is False


# --- file ---------------------------------------------------------------------------------------


def test_file_reports_the_path_in_use(
    config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(config_file, "file").output == f"{config_file} (exists)\n"
    monkeypatch.setenv("CLAWDBOT_STATE_DIR", str(tmp_path / "state"))
    result = CliRunner().invoke(cli, ["config", "file", "--json"])
    assert json.loads(result.output) == {
        "path": str(tmp_path / "state" / "clawdbot.json"),
        "exists": False,
    }
    missing = CliRunner().invoke(cli, ["config", "file"])
    assert "does not exist yet" in missing.output


# --- start-up -----------------------------------------------------------------------------------


def test_config_commands_do_not_import_openai(config_file: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from clawdbot_litellm.cli import main
        for args in (["get", "agents.defaults.model.primary"], ["set", "gateway.port", "1"],
                     ["unset", "gateway.port"], ["validate"], ["file"]):
            try:
                main(["--config", {str(config_file)!r}, "config", *args])
            except SystemExit as done:
                assert not done.code, (args, done.code)
        assert "openai" not in sys.modules, "openai was imported"
        print("clean")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("clean\n")
