from __future__ import annotations

import fcntl
import json
import multiprocessing
import stat
import warnings
from pathlib import Path
from typing import Any

import pyjson5
import pytest

import clawdbot_litellm
from clawdbot_litellm.config import edit
from clawdbot_litellm.config.check import find_problems
from clawdbot_litellm.config.edit import (
    EditResult,
    edit_config,
    get_config_value,
    has_comments,
    set_config_value,
    unset_config_value,
)
from clawdbot_litellm.config.path import set_at
from clawdbot_litellm.config.resolve import ConfigWarning
from clawdbot_litellm.config.secrets import is_secret_path, mask_secrets
from clawdbot_litellm.errors import (
    ConfigError,
    ConfigFileError,
    ConfigPathError,
    ConfigPathNotFoundError,
    ConfigValidationError,
    ConfigWriteError,
)

SEED = {
    "env": {"LITELLM_API_KEY": "sk-seed-secret-0123456789"},
    "agents": {
        "defaults": {
            "model": {"primary": "litellm/gpt-4"},
            "models": {"litellm/gpt-4": {"alias": "GPT-4"}},
        }
    },
    "models": {
        "mode": "merge",
        "providers": {
            "litellm": {
                "baseUrl": "http://localhost:4000",
                "apiKey": "${LITELLM_API_KEY}",
                "api": "openai-completions",
                "models": [
                    {"id": "gpt-4", "name": "GPT-4", "contextWindow": 128000, "maxTokens": 8192},
                    {
                        "id": "claude-3-opus",
                        "name": "Claude Opus",
                        "contextWindow": 200000,
                        "maxTokens": 4096,
                    },
                ],
            }
        },
    },
}

MULTI_SECTION = """\
// Clawdbot config, hand-edited
{
  env: { vars: { MOONSHOT_API_KEY: "sk-moon-0123456789abcdef" }, shellEnv: { enabled: true } },
  gateway: { port: 18789, bind: "loopback", auth: { mode: "token", token: "gw-0123456789abcdef" } },
  channels: {
    telegram: { enabled: true, botToken: "${TELEGRAM_BOT_TOKEN}", dmPolicy: "pairing" },
    whatsapp: { allowFrom: ["+15555550123"] },
  },
  agents: {
    defaults: {
      workspace: "~/clawd",
      model: { primary: "litellm/gpt-4", fallbacks: ["moonshot/kimi-k2"] },
      models: { "litellm/gpt-4": { alias: "GPT-4" }, "moonshot/kimi-k2": { alias: "Kimi" } },
      heartbeat: { every: "30m" },
    },
    list: [{ id: "main", default: true }],
  },
  models: {
    mode: "merge",
    $include: "./providers.json5",
    providers: {
      litellm: {
        baseUrl: "${LITELLM_BASE_URL}",
        apiKey: "${LITELLM_API_KEY}",
        api: "openai-completions",
        headers: { "X-Team": "ops" },
        models: [{ id: "gpt-4", name: "GPT-4", contextWindow: 128000, maxTokens: 8192 }],
      },
    },
  },
  messages: { ackReaction: "\U0001f440" },
}
"""

PROVIDERS_INCLUDE = """\
{
  providers: {
    lmstudio: {
      baseUrl: "http://127.0.0.1:1234/v1",
      api: "openai-responses",
      models: [{ id: "qwen", name: "Qwen", contextWindow: 32768 }],
    },
    moonshot: {
      baseUrl: "https://api.moonshot.ai/v1",
      apiKey: "${MOONSHOT_API_KEY}",
      api: "openai-completions",
      models: [{ id: "kimi-k2", name: "Kimi K2", contextWindow: 256000 }],
    },
  },
}
"""


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2))
    return path


def read(path: Path) -> Any:
    return pyjson5.decode(path.read_text())


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    return write(tmp_path / "state" / "clawdbot.json", SEED)


@pytest.fixture
def multi(tmp_path: Path) -> Path:
    write(tmp_path / "cfg" / "providers.json5", PROVIDERS_INCLUDE)
    return write(tmp_path / "cfg" / "clawdbot.json5", MULTI_SECTION)


# --- edits keep the raw document ------------------------------------------------------------------


def test_set_keeps_var_references_even_when_the_variable_is_set(seed: Path) -> None:
    env = {"LITELLM_API_KEY": "sk-from-the-shell-0123456789"}
    result = set_config_value(
        "agents.defaults.model.primary", "litellm/claude-3-opus", config=seed, environ=env
    )
    assert result.changed
    data = read(seed)
    assert data["agents"]["defaults"]["model"]["primary"] == "litellm/claude-3-opus"
    assert data["models"]["providers"]["litellm"]["apiKey"] == "${LITELLM_API_KEY}"
    assert "sk-from-the-shell" not in seed.read_text()
    # Nothing else changed, and no default was materialised.
    expected = set_at(SEED, ["agents", "defaults", "model", "primary"], "litellm/claude-3-opus")
    assert data == expected


BASE_URL = "models.providers.litellm.baseUrl"


def test_set_stores_a_litellm_base_url_without_v1_and_says_so(seed: Path) -> None:
    result = set_config_value(BASE_URL, " http://proxy:4000/v1/ ", config=seed, environ={})
    assert result.changed
    assert read(seed)["models"]["providers"]["litellm"]["baseUrl"] == "http://proxy:4000"
    assert result.notes == (
        "stored http://proxy:4000 without the /v1: the client appends /v1 itself (requests go "
        "to http://proxy:4000/v1/...)",
    )  # and no "ends in /v1" warning: the file never holds one
    # The same URL again: nothing to write, and the note still says what is stored.
    again = set_config_value(BASE_URL, "http://proxy:4000/v1", config=seed, environ={})
    assert (again.changed, again.notes) == (False, result.notes)
    plain = set_config_value(BASE_URL, "http://proxy:4000", config=seed, environ={})
    assert (plain.changed, plain.notes) == (False, ())


@pytest.mark.parametrize(
    "value", ["${LITELLM_BASE_URL}", "${LITELLM_BASE_URL}/v1", "http://${PROXY_HOST}:4000/v1/"]
)
def test_set_stores_a_base_url_with_a_reference_as_written(seed: Path, value: str) -> None:
    env = {"LITELLM_BASE_URL": "http://proxy:4000", "PROXY_HOST": "proxy"}
    result = set_config_value(BASE_URL, value, config=seed, environ=env)
    assert read(seed)["models"]["providers"]["litellm"]["baseUrl"] == value
    assert not [note for note in result.notes if note.startswith("stored ")]
    if value.endswith(("/v1", "/v1/")):  # the loader still says what the client will use
        assert [note for note in result.notes if "ends in /v1" in note]


def test_set_keeps_v1_in_other_providers_base_urls(multi: Path) -> None:
    path = "models.providers.lmstudio.baseUrl"
    with pytest.warns(ConfigWarning, match="JSON5 comments"):
        result = set_config_value(path, "http://127.0.0.1:5678/v1", config=multi, environ={})
    assert get_config_value(path, config=multi, raw=True, environ={}) == "http://127.0.0.1:5678/v1"
    assert result.notes == ()


def test_a_round_of_edits_keeps_foreign_sections_includes_and_references(
    multi: Path, tmp_path: Path
) -> None:
    include = tmp_path / "cfg" / "providers.json5"
    include_bytes = include.read_bytes()
    original = read(multi)
    env: dict[str, str] = {}  # none of the referenced variables is set: edits must still work
    with pytest.warns(ConfigWarning, match="JSON5 comments"):
        set_config_value(
            "agents.defaults.model.primary", "moonshot/kimi-k2", config=multi, environ=env
        )
    set_config_value(
        "agents.defaults.model.fallbacks[1]", "litellm/gpt-4", config=multi, environ=env
    )
    set_config_value("agents.defaults.models[litellm/gpt-4].alias", "G4", config=multi, environ=env)
    set_config_value(
        "models.providers.litellm.models[0].contextWindow", 100000, config=multi, environ=env
    )
    unset_config_value("models.providers.litellm.headers", config=multi, environ=env)

    after = read(multi)
    expected = json.loads(json.dumps(original))
    defaults = expected["agents"]["defaults"]
    defaults["model"] = {
        "primary": "moonshot/kimi-k2",
        "fallbacks": ["moonshot/kimi-k2", "litellm/gpt-4"],
    }
    defaults["models"]["litellm/gpt-4"]["alias"] = "G4"
    expected["models"]["providers"]["litellm"]["models"][0]["contextWindow"] = 100000
    del expected["models"]["providers"]["litellm"]["headers"]
    assert after == expected
    # Foreign sections, ${VAR} references and the $include are as written; order is kept.
    assert after["models"]["$include"] == "./providers.json5"
    assert after["channels"]["telegram"]["botToken"] == "${TELEGRAM_BOT_TOKEN}"
    assert after["models"]["providers"]["litellm"]["baseUrl"] == "${LITELLM_BASE_URL}"
    assert list(after) == list(original)
    assert include.read_bytes() == include_bytes
    # The included providers still load through the edited file.
    resolved = clawdbot_litellm.load_config(
        multi,
        environ={
            "LITELLM_BASE_URL": "http://proxy:4000",
            "LITELLM_API_KEY": "k" * 20,
            "TELEGRAM_BOT_TOKEN": "t",
        },
    )
    assert {"lmstudio", "moonshot", "litellm"} <= set(resolved.providers)
    assert resolved.primary == "moonshot/kimi-k2"


def test_edits_write_json_with_two_space_indent_and_a_newline(tmp_path: Path) -> None:
    target = tmp_path / "new" / "clawdbot.json"
    set_config_value(
        "agents.defaults.models[litellm/gpt-4].alias", "Größe \U0001f680", config=target
    )
    text = target.read_text(encoding="utf-8")
    assert text == (
        "{\n"
        '  "agents": {\n'
        '    "defaults": {\n'
        '      "models": {\n'
        '        "litellm/gpt-4": {\n'
        '          "alias": "Größe \U0001f680"\n'
        "        }\n"
        "      }\n"
        "    }\n"
        "  }\n"
        "}\n"
    )


def test_a_setting_below_an_include_keeps_the_include(multi: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfigWarning)
        set_config_value(
            "models.providers.moonshot.baseUrl", "https://api.moonshot.cn", config=multi
        )
    raw = read(multi)
    assert raw["models"]["$include"] == "./providers.json5"
    assert raw["models"]["providers"]["moonshot"] == {"baseUrl": "https://api.moonshot.cn"}
    resolved = clawdbot_litellm.load_config(
        multi,
        environ={
            "LITELLM_BASE_URL": "http://p:4000",
            "LITELLM_API_KEY": "k" * 20,
            "TELEGRAM_BOT_TOKEN": "t",
        },
    )
    moonshot = resolved.providers["moonshot"]
    assert moonshot.base_url == "https://api.moonshot.cn"
    assert [m.id for m in moonshot.models] == ["kimi-k2"]


# --- files, modes, backups ----------------------------------------------------------------------


def test_new_directory_is_0700_and_file_0600(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "clawdbot.json"
    result = set_config_value("agents.defaults.model.primary", "litellm/gpt-4", config=target)
    assert result.changed
    assert result.backup is None
    for directory in (tmp_path / "a", tmp_path / "a" / "b"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_an_existing_file_ends_up_0600(seed: Path) -> None:
    seed.chmod(0o644)
    set_config_value("agents.defaults.model.primary", "litellm/claude-3-opus", config=seed)
    assert stat.S_IMODE(seed.stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(f"{seed}.bak").stat().st_mode) == 0o600


def test_backups_rotate_newest_first_and_keep_five(seed: Path) -> None:
    versions = [seed.read_bytes()]
    for n in range(6):
        set_config_value("gateway.port", 1000 + n, config=seed)
        versions.append(seed.read_bytes())
    names = [f"{seed}.bak", *(f"{seed}.bak.{i}" for i in range(1, 5))]
    # .bak is the version before the last write, .bak.4 the oldest kept; the seed itself is gone.
    assert [Path(n).read_bytes() for n in names] == versions[-2:-7:-1]
    assert not Path(f"{seed}.bak.5").exists()
    assert versions[0] not in [Path(n).read_bytes() for n in names]


def test_no_write_when_nothing_changed(seed: Path) -> None:
    before = seed.stat()
    result = set_config_value("agents.defaults.model.primary", "litellm/gpt-4", config=seed)
    assert not result.changed
    assert result.backup is None
    after = seed.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not Path(f"{seed}.bak").exists()


def test_a_changed_type_is_a_change(tmp_path: Path) -> None:
    target = write(tmp_path / "c.json", {"gateway": {"port": 1}})
    result = set_config_value("gateway.port", True, config=target)
    assert result.changed
    assert read(target) == {"gateway": {"port": True}}


def test_missing_file_and_empty_edit_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "c.json"
    result = edit_config(target, lambda data: data)
    assert not result.changed
    assert not target.exists()


def test_edits_go_through_a_symlink(tmp_path: Path) -> None:
    real = write(tmp_path / "dotfiles" / "clawdbot.json", SEED)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    set_config_value("gateway.port", 9, config=link)
    assert link.is_symlink()
    assert read(real)["gateway"] == {"port": 9}


def test_default_location_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = write(tmp_path / "env" / "clawdbot.json", SEED)
    monkeypatch.setenv("CLAWDBOT_CONFIG_PATH", str(target))
    result = set_config_value("gateway.port", 5, config=None)
    assert result.path == target
    assert read(target)["gateway"]["port"] == 5


# --- refusals leave the file untouched ----------------------------------------------------------


def test_a_schema_problem_refuses_the_edit(seed: Path) -> None:
    before = seed.read_bytes()
    with pytest.raises(ConfigValidationError) as caught:
        set_config_value("models.providers.litellm.temperature", 0.2, config=seed)
    assert "- models.providers.litellm.temperature: unknown key" in str(caught.value)
    assert "(edit refused; the file is unchanged)" in str(caught.value)
    assert seed.read_bytes() == before
    assert not Path(f"{seed}.bak").exists()


def test_an_unknown_primary_is_refused_naming_the_configured_refs(seed: Path) -> None:
    before = seed.read_bytes()
    with pytest.raises(ConfigValidationError) as caught:
        set_config_value("agents.defaults.model.primary", "litellm/nope", config=seed)
    message = str(caught.value)
    assert "- agents.defaults.model.primary: Unknown model: litellm/nope" in message
    assert "litellm/gpt-4" in message
    assert "litellm/claude-3-opus" in message
    assert "unchanged" in message
    assert seed.read_bytes() == before


def test_removing_the_primary_model_is_refused(seed: Path) -> None:
    before = seed.read_bytes()
    with pytest.raises(ConfigValidationError, match=r"agents\.defaults\.model\.primary"):
        unset_config_value("models.providers.litellm.models[0]", config=seed)
    assert seed.read_bytes() == before


def test_an_old_broken_fallback_does_not_block_an_unrelated_edit(tmp_path: Path) -> None:
    data = set_at(SEED, ["agents", "defaults", "model", "fallbacks"], ["litellm/gone"])
    target = write(tmp_path / "c.json", data)
    # Adding a model changes the "configured models" list in the old problem's message.
    set_config_value(
        "models.providers.litellm.models[2]", {"id": "o1", "name": "o1"}, config=target
    )
    set_config_value("agents.defaults.model.primary", "litellm/o1", config=target)
    assert read(target)["agents"]["defaults"]["model"]["primary"] == "litellm/o1"
    # ...but a second broken fallback is new, and refused.
    with pytest.raises(
        ConfigValidationError, match=r"fallbacks\[1\]: Unknown model: litellm/gone2"
    ):
        set_config_value("agents.defaults.model.fallbacks[1]", "litellm/gone2", config=target)


def test_a_file_that_does_not_load_can_be_fixed_in_one_edit(tmp_path: Path) -> None:
    data = set_at(SEED, ["agents", "defaults", "model", "fallbacks"], ["litellm/gone"])
    data = set_at(data, ["models", "providers", "litellm", "tmperature"], 1)
    target = write(tmp_path / "c.json", data)
    result = unset_config_value("models.providers.litellm.tmperature", config=target)
    assert result.changed
    with pytest.raises(ConfigValidationError, match=r"Unknown model: litellm/nope"):
        set_config_value("agents.defaults.model.primary", "litellm/nope", config=target)


def test_an_edit_that_keeps_a_schema_problem_is_refused(tmp_path: Path) -> None:
    data = set_at(SEED, ["models", "providers", "litellm", "tmperature"], 1)
    target = write(tmp_path / "c.json", data)
    before = target.read_bytes()
    with pytest.raises(ConfigValidationError, match=r"- models\.providers\.litellm\.tmperature"):
        set_config_value("gateway.port", 1, config=target)
    assert target.read_bytes() == before


def test_a_missing_env_var_does_not_block_an_edit(seed: Path) -> None:
    data = set_at(SEED, ["env"], {})
    write(seed, data)
    result = set_config_value("gateway.port", 1, config=seed, environ={})
    assert result.changed


def test_a_broken_include_is_refused(seed: Path) -> None:
    before = seed.read_bytes()
    with pytest.raises(ConfigFileError, match=r"missing\.json5"):
        set_config_value("models.$include", "./missing.json5", config=seed)
    assert seed.read_bytes() == before


def test_a_failing_mutation_leaves_the_file(seed: Path) -> None:
    before = seed.read_bytes()
    with pytest.raises(ConfigPathNotFoundError):
        unset_config_value("agents.nothing", config=seed)
    # As in Clawdbot the string in the way is replaced (with a warning); the result is invalid.
    with pytest.raises(ConfigValidationError, match="primary held a string"):
        set_config_value("agents.defaults.model.primary.x", 1, config=seed)
    with pytest.raises(ConfigPathError):
        set_config_value("models.providers.litellm.models.first", 1, config=seed)
    assert seed.read_bytes() == before


@pytest.mark.parametrize("fails", ["create", "fsync"])
def test_a_failed_write_of_the_file_leaves_it_its_backups_and_no_temp_file(
    seed: Path, monkeypatch: pytest.MonkeyPatch, fails: str
) -> None:
    """The main file's own write fails (not its backup's): backups are rotated only once the
    new file has been written, so every earlier version is still there, unmoved."""
    for port in (1, 2):  # two earlier versions in .bak and .bak.1
        set_config_value("gateway.port", port, config=seed)
    before = {p.name: p.read_bytes() for p in seed.parent.iterdir()}
    real_mkstemp, real_fsync = edit.tempfile.mkstemp, edit.os.fsync
    main_file_fds: set[int] = set()

    def mkstemp(**kwargs: Any) -> tuple[int, str]:
        is_main = kwargs.get("prefix") == f".{seed.name}."  # a backup's is .clawdbot.json.bak.
        if is_main and fails == "create":
            raise OSError(28, "No space left on device")
        fd, name = real_mkstemp(**kwargs)
        if is_main:
            main_file_fds.add(fd)
        return fd, name

    def fsync(fd: int) -> None:
        if fd in main_file_fds:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(edit.tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(edit.os, "fsync", fsync)
    with pytest.raises(ConfigWriteError, match=r"No space left on device; the file is unchanged"):
        set_config_value("gateway.port", 3, config=seed)
    assert fails == "create" or main_file_fds, "the main file's write was the one that failed"
    assert {p.name: p.read_bytes() for p in seed.parent.iterdir()} == before
    assert read(seed)["gateway"]["port"] == 2


def test_a_config_that_is_not_an_object(tmp_path: Path) -> None:
    target = write(tmp_path / "c.json", "[1, 2]")
    with pytest.raises(ConfigError, match="must be an object"):
        set_config_value("a", 1, config=target)


def test_a_held_lock_times_out_with_a_clear_message(
    seed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(edit, "LOCK_TIMEOUT", 0.2)
    with open(f"{seed}.lock", "w") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        with pytest.raises(ConfigWriteError, match="being edited by another process"):
            set_config_value("gateway.port", 1, config=seed)


def _set_one(target: str, index: int, barrier: Any) -> None:
    barrier.wait()
    set_config_value(f"channels.c{index}.enabled", True, config=target)


def test_twenty_concurrent_processes_all_land(seed: Path) -> None:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(20)
    workers = [context.Process(target=_set_one, args=(str(seed), i, barrier)) for i in range(20)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0] * 20
    assert read(seed)["channels"] == {f"c{i}": {"enabled": True} for i in range(20)}
    assert read(seed)["models"] == SEED["models"]


# --- comments -----------------------------------------------------------------------------------


def test_dropping_comments_warns_once(tmp_path: Path) -> None:
    target = write(tmp_path / "c.json5", "{\n  // the port\n  gateway: { port: 1 },\n}\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = set_config_value("gateway.port", 2, config=target)
    messages = [str(w.message) for w in caught if issubclass(w.category, ConfigWarning)]
    assert len(messages) == 1
    assert "JSON5 comments" in messages[0]
    assert f"{target}.bak" in messages[0]
    assert result.dropped_comments
    assert "// the port" in Path(f"{target}.bak").read_text()


def test_no_comment_warning_for_urls_in_strings(seed: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConfigWarning)
        result = set_config_value("gateway.port", 2, config=seed)
    assert not result.dropped_comments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{a: "http://x"}', False),
        ("{a: 'it\\'s // not'}", False),
        ('{a: "x\\" // still a string"}', False),
        ("{a: 1} // trailing", True),
        ("/* head */ {}", True),
        ("{a: 1 / 2}", False),
    ],
)
def test_has_comments(text: str, expected: bool) -> None:
    assert has_comments(text) is expected


# --- results and the public API -----------------------------------------------------------------


def test_edit_result_repr_shows_no_document(seed: Path) -> None:
    result = set_config_value("gateway.port", 2, config=seed)
    assert isinstance(result, EditResult)
    assert "sk-seed-secret" not in repr(result)
    assert "changed=True" in repr(result)


def test_public_api_is_reexported() -> None:
    assert clawdbot_litellm.set_config_value is set_config_value
    assert clawdbot_litellm.get_config_value is get_config_value
    assert clawdbot_litellm.unset_config_value is unset_config_value
    assert clawdbot_litellm.EditResult is EditResult


def test_get_config_value_resolved_and_raw(seed: Path) -> None:
    env: dict[str, str] = {}
    key = get_config_value("models.providers.litellm.apiKey", config=seed, environ=env)
    assert key == "sk-seed-secret-0123456789"  # the env block fills ${LITELLM_API_KEY}
    raw = get_config_value("models.providers.litellm.apiKey", config=seed, raw=True, environ=env)
    assert raw == "${LITELLM_API_KEY}"
    # Resolved models carry Clawdbot's defaults; the raw file does not.
    first = get_config_value("models.providers.litellm.models[0]", config=seed, environ=env)
    assert first["reasoning"] is False
    assert first["input"] == ["text"]
    with pytest.raises(ConfigPathNotFoundError):
        get_config_value("models.providers.litellm.models[0].reasoning", config=seed, raw=True)


def test_get_config_value_missing_path(seed: Path) -> None:
    with pytest.raises(ConfigPathNotFoundError, match=r"^Config path not found: agents\.x$"):
        get_config_value("agents.x", config=seed, environ={})


# --- masking ------------------------------------------------------------------------------------


def test_mask_secrets_masks_keys_tokens_headers_and_env_but_not_references() -> None:
    data = {
        "env": {
            "LITELLM_API_KEY": "sk-live-0123456789abcdef",
            "LITELLM_BASE_URL": "http://localhost:4000",
            "vars": {
                "GH_TOKEN": "ghp_0123456789abcdef",
                "DB_PASSWORD": "hunter2hunter2",
                "REGION": "eu",
            },
        },
        "channels": {"telegram": {"botToken": "123456:ABCDEFGHIJKLMNOP", "dmPolicy": "pairing"}},
        "models": {
            "providers": {
                "litellm": {
                    "apiKey": "${LITELLM_API_KEY}",
                    "headers": {
                        "Authorization": "Bearer ${PROXY_TOKEN}",
                        "X-Api-Key": "abcdef0123456789xyz",
                        "X-Team": "ops",
                    },
                    "models": [{"id": "gpt-4", "maxTokens": 8192, "reasoning": False}],
                },
                "other": {"apiKey": "sk-other-0123456789abcd"},
            }
        },
    }
    original = json.loads(json.dumps(data))
    masked = mask_secrets(data)
    assert data == original
    assert masked["env"]["LITELLM_API_KEY"] == "sk-…cdef"
    assert masked["env"]["LITELLM_BASE_URL"] == "http://localhost:4000"
    assert masked["env"]["vars"] == {"GH_TOKEN": "ghp…cdef", "DB_PASSWORD": "****", "REGION": "eu"}
    assert masked["channels"]["telegram"] == {"botToken": "123…MNOP", "dmPolicy": "pairing"}
    litellm = masked["models"]["providers"]["litellm"]
    assert litellm["apiKey"] == "${LITELLM_API_KEY}"
    assert litellm["headers"] == {
        "Authorization": "Bearer ${PROXY_TOKEN}",
        "X-Api-Key": "abc…9xyz",
        "X-Team": "ops",
    }
    assert litellm["models"] == [{"id": "gpt-4", "maxTokens": 8192, "reasoning": False}]
    assert masked["models"]["providers"]["other"]["apiKey"] == "sk-…abcd"
    assert "0123456789" not in json.dumps(masked)


def test_mask_secrets_of_a_value_found_deeper() -> None:
    assert mask_secrets("sk-live-0123456789abcdef", ["env", "OPENAI_API_KEY"]) == "sk-…cdef"
    assert (
        mask_secrets("sk-live-0123456789abcdef", ["models", "providers", "x", "apiKey"])
        == "sk-…cdef"
    )
    assert mask_secrets({"Authorization": "Bearer fake:test:value9"}, ["x", "headers"]) == {
        "Authorization": "Bea…lue9"
    }
    assert mask_secrets("eu", ["env", "vars", "REGION"]) == "eu"
    assert mask_secrets("${A}", ["env", "OPENAI_API_KEY"]) == "${A}"


@pytest.mark.parametrize(
    ("path", "secret"),
    [
        (["models", "providers", "litellm", "apiKey"], True),
        (["gateway", "auth", "token"], True),
        (["gateway", "auth", "password"], True),
        (["models", "providers", "x", "models", "0", "maxTokens"], False),
        (["env", "LITELLM_BASE_URL"], False),
        (["env", "vars", "SLACK_SECRET"], True),
        (["other", "LITELLM_API_KEY_NAME"], False),
        (["x", "headers", "Cookie"], True),
        (["x", "headers", "Accept"], False),
        ([], False),
    ],
)
def test_is_secret_path(path: list[str], secret: bool) -> None:
    assert is_secret_path(path) is secret


# --- find_problems ------------------------------------------------------------------------------


def test_find_problems_lists_everything(tmp_path: Path) -> None:
    data = set_at(SEED, ["env"], {})
    data = set_at(data, ["agents", "defaults", "model", "fallbacks"], ["litellm/gone"])
    data = set_at(data, ["models", "providers", "litellm", "tmperature"], 1)
    target = write(tmp_path / "c.json", data)
    report = find_problems(target, environ={})
    paths = [p.path for p in report.problems]
    assert "models.providers.litellm.apiKey" in paths  # missing ${LITELLM_API_KEY}
    assert "models.providers.litellm.tmperature" in paths
    assert not report.valid
    assert report.exists


def test_find_problems_reports_semantic_problems(tmp_path: Path) -> None:
    data = set_at(SEED, ["agents", "defaults", "model", "fallbacks"], ["litellm/gone"])
    report = find_problems(write(tmp_path / "c.json", data), environ={})
    assert [p.path for p in report.problems] == ["agents.defaults.model.fallbacks[0]"]


def test_find_problems_syntax_error_is_one_problem(tmp_path: Path) -> None:
    target = write(tmp_path / "c.json", "{ a: }")
    report = find_problems(target, environ={})
    assert len(report.problems) == 1
    assert f"{target}:1:" in report.problems[0].message


def test_find_problems_missing_file_is_valid(tmp_path: Path) -> None:
    report = find_problems(tmp_path / "none.json", environ={})
    assert report.valid
    assert not report.exists


def test_a_refused_edit_under_an_include_says_where_the_values_live(multi: Path) -> None:
    before = multi.read_bytes()
    with pytest.raises(ConfigValidationError) as caught:
        set_config_value("models.providers.moonshot.models[0].contextWindow", 1000, config=multi)
    message = str(caught.value)
    assert (
        "- models.providers.moonshot.models[0].contextWindow: this path is not in the file"
        in message
    )
    assert '"./providers.json5"' in message
    assert multi.read_bytes() == before


def test_no_include_hint_when_the_path_is_in_the_file(seed: Path) -> None:
    with pytest.raises(ConfigValidationError) as caught:
        set_config_value("models.providers.litellm.models[0].contextWindow", -1, config=seed)
    assert "$include" not in str(caught.value)
