"""``clawdbot-litellm plugins [--json]``: found providers with versions, then broken plugins.

Plugins are real distributions (a ``*.dist-info`` with ``entry_points.txt``) on ``sys.path``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from clawdbot_litellm._version import __version__
from clawdbot_litellm.cli import cli
from clawdbot_litellm.plugin import ENV_DISABLE, GROUP

AddDist = Callable[[str, dict[str, str], dict[str, str]], None]

GOOD_PROVIDER = """
class Provider:
    id = "acme"
    label = "Acme Gateway"
    api = "openai-completions"
    default_base_url = "http://acme.invalid:9000"
    env_vars = ("ACME_KEY",)
    auth_choice = "acme-api-key"

    def implicit_provider(self, environ):
        return None

    def create_client(self, config=None, **options):
        return None

    def discover_models(self, base_url, api_key, *, timeout=10.0):
        return []

    def onboard(self, *args, **kwargs):
        return None


print("acme plugin says hello on stdout")
provider = Provider()
"""


@pytest.fixture
def add_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AddDist]:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    before = set(sys.modules)

    def add(name: str, entry_points: dict[str, str], modules: dict[str, str]) -> None:
        info = site / f"{name.replace('-', '_')}-3.1.4.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 3.1.4\n")
        lines = "".join(f"{ep} = {target}\n" for ep, target in entry_points.items())
        (info / "entry_points.txt").write_text(f"[{GROUP}]\n{lines}")
        for module, source in modules.items():
            (site / f"{module}.py").write_text(textwrap.dedent(source))

    yield add
    for module in set(sys.modules) - before:
        if str(site) in str(getattr(sys.modules[module], "__file__", "") or ""):
            del sys.modules[module]


@pytest.fixture
def acme(add_dist: AddDist) -> None:
    add_dist(
        "acme-gateway",
        {"acme": "acme_cli_good:provider", "acme-broken": "acme_cli_broken:provider"},
        {
            "acme_cli_good": GOOD_PROVIDER,
            "acme_cli_broken": "raise ImportError('acme needs the acme-sdk package')\n",
        },
    )


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_json_lists_litellm_with_its_distribution_and_version() -> None:
    result = run("plugins", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["group", "providers", "failures", "skipped", "skipReason"]
    assert data["group"] == GROUP
    litellm = next(p for p in data["providers"] if p["id"] == "litellm")
    assert litellm == {
        "id": "litellm",
        "label": "LiteLLM",
        "api": "openai-completions",
        "defaultBaseUrl": "http://localhost:4000",
        "envVars": ["LITELLM_API_KEY", "LITELLM_BASE_URL", "LITELLM_MODEL"],
        "authChoice": "litellm-api-key",
        "entryPoint": "litellm",
        "target": "clawdbot_litellm.plugin:litellm_provider",
        "distribution": "clawdbot-litellm",
        "version": __version__,
    }
    assert data["skipped"] == []
    assert data["skipReason"] is None


@pytest.mark.usefixtures("acme")
def test_json_reports_the_broken_plugin_apart_and_stays_parseable() -> None:
    result = run("plugins", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)  # the plugin's print went to stderr, not into the JSON
    assert "acme plugin says hello" in result.stderr
    assert [p["id"] for p in data["providers"]][:2] == ["acme", "litellm"]
    acme = data["providers"][0]
    assert (acme["distribution"], acme["version"], acme["label"]) == (
        "acme-gateway",
        "3.1.4",
        "Acme Gateway",
    )
    broken = [f for f in data["failures"] if f["distribution"] == "acme-gateway"]
    assert broken == [
        {
            "entryPoint": "acme-broken",
            "target": "acme_cli_broken:provider",
            "distribution": "acme-gateway",
            "version": "3.1.4",
            "kind": "load",
            "error": "failed to load: ImportError: acme needs the acme-sdk package",
        }
    ]


@pytest.mark.usefixtures("acme")
def test_text_lists_providers_then_failures() -> None:
    result = run("plugins")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Providers in {GROUP} (")
    litellm_line = next(line for line in lines if line.strip().startswith("litellm "))
    assert "LiteLLM" in litellm_line
    assert litellm_line.rstrip().endswith(f"clawdbot-litellm {__version__}")
    assert any(line.strip().startswith("acme ") and "acme-gateway 3.1.4" in line for line in lines)
    failures_at = next(i for i, line in enumerate(lines) if line.startswith("Failures ("))
    assert failures_at > lines.index(litellm_line)
    assert (
        "  acme-broken (acme-gateway 3.1.4): failed to load: ImportError: acme needs the "
        "acme-sdk package"
    ) in lines
    assert "Traceback" not in result.output


@pytest.mark.usefixtures("acme")
def test_debug_shows_each_failure_traceback() -> None:
    result = run("--debug", "plugins")
    assert result.exit_code == 0
    assert "Traceback (most recent call last)" in result.stdout
    assert "acme_cli_broken.py" in result.stdout


@pytest.mark.usefixtures("acme")
def test_disable_switch_is_shown_as_the_skip_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DISABLE, "1")
    data = json.loads(run("plugins", "--json").stdout)
    assert [p["id"] for p in data["providers"]] == ["litellm"]
    assert [s["entryPoint"] for s in data["skipped"]] == ["acme", "acme-broken"]
    assert data["skipReason"] == f"{ENV_DISABLE}=1"
    assert [f for f in data["failures"] if f["distribution"] == "acme-gateway"] == []

    text = run("plugins").stdout
    assert f"Skipped, {ENV_DISABLE}=1 (2):" in text
    assert "  acme (acme-gateway 3.1.4)" in text


def test_the_command_does_not_import_openai(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from clawdbot_litellm.cli import main\n"
        "main(['plugins', '--json'])\n"
        "print('openai' in sys.modules, file=sys.stderr)\n"
    )
    env: dict[str, Any] = dict(os.environ, HOME=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    assert "litellm" in [p["id"] for p in json.loads(done.stdout)["providers"]]
    assert done.stderr.strip().splitlines()[-1] == "False"


# --- the other commands see plugin providers (issue 10, item 9) ---------------------------------

IMPLICIT_PROVIDER = """
from clawdbot_litellm import ImplicitProvider, ModelDefinition
from clawdbot_litellm.config.schema import ProviderConfig


class Provider:
    id = "acme"
    label = "Acme Gateway"
    api = "openai-completions"
    default_base_url = "http://acme.invalid:9000"
    env_vars = ()
    auth_choice = "acme-api-key"

    def implicit_provider(self, environ):
        config = ProviderConfig(
            base_url="http://acme.invalid:9000",
            models=(ModelDefinition(id="acme-large", name="Acme Large"),),
        )
        return ImplicitProvider(config, {})

    def create_client(self, config=None, **options):
        return None

    def discover_models(self, base_url, api_key, *, timeout=10.0):
        return []

    def onboard(self, *args, **kwargs):
        return None


provider = Provider()
"""


@pytest.fixture
def acme_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config whose primary model only a plugin supplies."""
    path = tmp_path / "clawdbot.json"
    path.write_text(json.dumps({"agents": {"defaults": {"model": {"primary": "acme/acme-large"}}}}))
    monkeypatch.setenv("CLAWDBOT_CONFIG_PATH", str(path))
    monkeypatch.setenv("LITELLM_API_KEY", "sk-test-plugins-0123456789")
    return path


def test_without_other_plugins_nothing_is_discovered() -> None:
    from clawdbot_litellm.plugin_index import (
        installed_implicit_providers,
        plugin_providers_installed,
    )

    assert plugin_providers_installed() is False  # this package's own litellm does not count
    assert installed_implicit_providers() is None


@pytest.mark.usefixtures("acme_config")
def test_commands_see_the_providers_a_plugin_supplies(add_dist: AddDist) -> None:
    before = run("config", "validate")
    assert before.exit_code == 1
    assert "Unknown model: acme/acme-large" in before.stdout

    add_dist(
        "acme-gateway", {"acme": "acme_implicit:provider"}, {"acme_implicit": IMPLICIT_PROVIDER}
    )
    from clawdbot_litellm.plugin_index import plugin_providers_installed

    assert plugin_providers_installed() is True
    assert run("config", "validate").exit_code == 0
    listing = run("models", "list", "--json")
    assert listing.exit_code == 0, listing.output
    assert "acme/acme-large" in listing.stdout
    fallback = run("config", "set", "agents.defaults.model.fallbacks", '["acme/acme-large"]')
    assert fallback.exit_code == 0, fallback.output
    assert run("config", "get", "agents.defaults.model.primary").stdout == "acme/acme-large\n"


@pytest.mark.usefixtures("acme_config")
def test_the_disable_switch_holds_plugin_providers_back_here_too(
    add_dist: AddDist, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_dist(
        "acme-gateway", {"acme": "acme_implicit:provider"}, {"acme_implicit": IMPLICIT_PROVIDER}
    )
    monkeypatch.setenv(ENV_DISABLE, "1")
    result = run("config", "validate")
    assert result.exit_code == 1
    assert "Unknown model: acme/acme-large" in result.stdout


@pytest.fixture
def closed_url(loopback_allowed: object) -> str:
    """A URL on 127.0.0.1 where nothing listens: the proxy checks and discovery fail fast."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def schema_check(result: Result) -> dict[str, Any]:
    checks = {check["name"]: check for check in json.loads(result.stdout)["checks"]}
    found: dict[str, Any] = checks["config schema"]
    return found


def test_doctor_sees_the_providers_a_plugin_supplies(
    add_dist: AddDist, acme_config: Path, closed_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_BASE_URL", closed_url)  # the litellm checks fail fast
    before = schema_check(run("doctor", "--json", "--timeout", "2"))
    assert before["status"] == "fail"
    assert "agents.defaults.model.primary: Unknown model: acme/acme-large." in before["detail"]

    add_dist(
        "acme-gateway", {"acme": "acme_implicit:provider"}, {"acme_implicit": IMPLICIT_PROVIDER}
    )
    after = schema_check(run("doctor", "--json", "--timeout", "2"))
    assert (after["status"], after["detail"]) == ("ok", "valid (2 model(s) configured)")
    monkeypatch.setenv(ENV_DISABLE, "1")
    assert schema_check(run("doctor", "--json", "--timeout", "2"))["status"] == "fail"


def test_json_output_stays_json_when_a_plugin_prints_while_it_loads(
    add_dist: AddDist, acme_config: Path, closed_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_BASE_URL", closed_url)
    loud = "print('acme plugin says hello on stdout')\n" + IMPLICIT_PROVIDER
    add_dist("acme-gateway", {"acme": "acme_loud:provider"}, {"acme_loud": loud})
    for args in (("doctor", "--json", "--timeout", "2"), ("models", "list", "--json")):
        sys.modules.pop("acme_loud", None)  # imported afresh by each command, as in a new process
        result = run(*args)
        json.loads(result.stdout)  # parseable: the print went to stderr
        assert "acme plugin says hello" in result.stderr


def test_onboard_keeps_a_plugin_fallback_and_the_result_validates(
    add_dist: AddDist, acme_config: Path, closed_url: str
) -> None:
    acme_config.write_text(
        json.dumps({"agents": {"defaults": {"model": {"fallbacks": ["acme/acme-large"]}}}})
    )
    add_dist(
        "acme-gateway", {"acme": "acme_implicit:provider"}, {"acme_implicit": IMPLICIT_PROVIDER}
    )
    args = ("--non-interactive", "--litellm-base-url", closed_url, "--litellm-model", "gpt-4")
    result = run("onboard", *args)
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.stderr
    model = json.loads(acme_config.read_text())["agents"]["defaults"]["model"]
    assert model == {"fallbacks": ["acme/acme-large"], "primary": "litellm/gpt-4"}
    assert run("config", "validate").exit_code == 0
    doctor = schema_check(run("doctor", "--json", "--timeout", "2"))
    assert doctor["status"] == "ok"
