"""The provider protocol, the ``litellm`` entry point, and discovery that survives broken plugins.

Plugins here are real distributions: a ``*.dist-info`` directory with ``METADATA`` and
``entry_points.txt`` plus the modules it points at, put on ``sys.path``, so ``importlib.metadata``
finds them exactly as it finds installed packages.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from clawdbot_litellm._version import __version__
from clawdbot_litellm.config.resolve import (
    ImplicitProvider,
    ResolvedConfig,
    litellm_from_environment,
    load_config,
)
from clawdbot_litellm.errors import ProxyUnreachableError
from clawdbot_litellm.plugin import (
    ENV_ALLOW,
    ENV_DISABLE,
    GROUP,
    OWN_TARGET,
    PROTOCOL_MEMBERS,
    Discovery,
    InvalidProviderError,
    LiteLLMProvider,
    ProviderPlugin,
    as_provider,
    discover_providers,
    implicit_providers,
    litellm_provider,
)

# A complete provider, as a second provider package would write it. ``{id}`` is filled per test.
PROVIDER_SOURCE = """
from clawdbot_litellm.config.resolve import ImplicitProvider, Source
from clawdbot_litellm.config.schema import ModelDefinition, ProviderConfig


class Provider:
    id = "{id}"
    label = "Provider {id}"
    api = "openai-completions"
    default_base_url = "http://{id}.invalid:9000"
    env_vars = ("{upper}_KEY",)
    auth_choice = "{id}-api-key"

    def implicit_provider(self, environ):
        if environ.get("{upper}_OFF"):
            return None
        config = ProviderConfig(
            base_url=environ.get("{upper}_URL", self.default_base_url),
            models=(ModelDefinition(id="{id}-model", name="{id} model"),),
        )
        return ImplicitProvider(config, {{"baseUrl": Source("environment", "{upper}_URL")}})

    def create_client(self, config=None, **options):
        return ("client", config, options)

    def discover_models(self, base_url, api_key, *, timeout=10.0):
        return []

    def onboard(self, *args, **kwargs):
        return None


provider = Provider()


def factory():
    return Provider()
"""


def provider_module(provider_id: str) -> str:
    upper = provider_id.upper().replace("-", "_")
    return PROVIDER_SOURCE.format(id=provider_id, upper=upper)


MakeDist = Callable[..., Path]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_ALLOW, raising=False)
    monkeypatch.delenv(ENV_DISABLE, raising=False)


@pytest.fixture
def make_dist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> Iterator[MakeDist]:
    """Install a distribution into a directory on ``sys.path``; forget its modules afterwards."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    before = set(sys.modules)

    def make(
        name: str,
        version: str = "1.0",
        entry_points: dict[str, str] | None = None,
        modules: dict[str, str] | None = None,
        entry_points_text: str | None = None,
    ) -> Path:
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
        )
        if entry_points_text is None:
            lines = [f"{ep} = {target}" for ep, target in (entry_points or {}).items()]
            entry_points_text = f"[{GROUP}]\n" + "\n".join(lines) + "\n"
        (info / "entry_points.txt").write_text(entry_points_text, encoding="utf-8")
        for module, source in (modules or {}).items():
            (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        return info

    yield make
    for module in set(sys.modules) - before:
        if getattr(sys.modules[module], "__file__", None) and str(site) in str(
            sys.modules[module].__file__
        ):
            del sys.modules[module]


# --- the litellm provider ------------------------------------------------------------------------


def test_litellm_provider_describes_itself_as_the_protocol_says() -> None:
    assert isinstance(litellm_provider, ProviderPlugin)
    assert as_provider(litellm_provider) is litellm_provider
    assert (litellm_provider.id, litellm_provider.api) == ("litellm", "openai-completions")
    assert litellm_provider.auth_choice == "litellm-api-key"
    assert litellm_provider.default_base_url == "http://localhost:4000"
    assert set(litellm_provider.env_vars) == {
        "LITELLM_API_KEY",
        "LITELLM_BASE_URL",
        "LITELLM_MODEL",
    }
    assert "LiteLLM" in repr(litellm_provider)


def test_implicit_provider_is_what_the_config_engine_derives_from_litellm_env() -> None:
    environ = {"LITELLM_BASE_URL": "http://proxy.internal:4000", "LITELLM_MODEL": "claude-3"}
    assert litellm_provider.implicit_provider(environ) == litellm_from_environment(
        environ, frozenset()
    )
    implicit = litellm_provider.implicit_provider({})
    assert implicit.config.base_url == "http://localhost:4000"
    assert [m.id for m in implicit.config.models] == ["gpt-4"]


def test_create_client_builds_the_adapter_over_the_given_config(tmp_path: Path) -> None:
    from clawdbot_litellm.client import Client

    config = load_config(tmp_path / "missing.json", environ={"LITELLM_MODEL": "m1"})
    client = litellm_provider.create_client(config, timeout=3.0)
    assert isinstance(client, Client)
    assert client.config is config
    assert client.timeout == 3.0


@pytest.mark.usefixtures("loopback_allowed")
def test_discover_models_reaches_for_the_proxy_and_reports_it_unreachable() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ProxyUnreachableError):
        litellm_provider.discover_models(f"http://127.0.0.1:{port}", "sk-x", timeout=2.0)


def test_discover_models_forwards_its_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[Any, ...]] = []

    def recorder(base_url: str, api_key: str | None, *, timeout: float) -> list[str]:
        seen.append((base_url, api_key, timeout))
        return ["m"]

    monkeypatch.setattr("clawdbot_litellm.discovery.discover_models", recorder)
    assert litellm_provider.discover_models("http://h:1", None, timeout=1.5) == ["m"]
    assert seen == [("http://h:1", None, 1.5)]


def test_onboard_writes_the_provider_into_the_config(tmp_path: Path) -> None:
    from clawdbot_litellm.onboarding import OnboardingAnswers

    path = tmp_path / "clawdbot.json"
    answers = OnboardingAnswers(base_url="http://127.0.0.1:4000/v1", model="gpt-4o", api_key="k")
    litellm_provider.onboard(answers, config=path, environ={})
    config = load_config(path, environ={})
    assert config.primary == "litellm/gpt-4o"
    assert config.providers["litellm"].base_url == "http://127.0.0.1:4000"


# --- validating what an entry point gives ---------------------------------------------------


def test_a_class_or_a_factory_is_accepted_and_called_once() -> None:
    calls: list[int] = []

    def factory() -> LiteLLMProvider:
        calls.append(1)
        return LiteLLMProvider()

    assert as_provider(LiteLLMProvider).id == "litellm"
    assert isinstance(as_provider(factory), LiteLLMProvider)
    assert calls == [1]


@pytest.mark.parametrize("member", PROTOCOL_MEMBERS)
def test_an_object_missing_any_protocol_member_is_refused_by_name(member: str) -> None:
    attributes = {name: getattr(litellm_provider, name) for name in PROTOCOL_MEMBERS}
    del attributes[member]
    partial = type("Partial", (), attributes)()
    with pytest.raises(InvalidProviderError, match=f"missing {member}"):
        as_provider(partial)


@pytest.mark.parametrize(
    ("attribute", "value", "message"),
    [
        ("id", "Acme/Proxy", "cannot name a provider"),
        ("id", "", "non-empty string"),
        ("label", 3, "label must be a non-empty string"),
        ("env_vars", "ACME_KEY", "env_vars must be a sequence"),
        ("onboard", "not callable", "onboard must be callable"),
    ],
)
def test_an_object_with_wrong_member_types_is_refused(
    attribute: str, value: object, message: str
) -> None:
    class Odd(LiteLLMProvider):
        pass

    setattr(Odd, attribute, value)
    with pytest.raises(InvalidProviderError, match=message):
        as_provider(Odd())


def test_a_non_provider_value_is_refused() -> None:
    with pytest.raises(InvalidProviderError, match="str object is not a provider"):
        as_provider("litellm")


# --- discovery -----------------------------------------------------------------------------------


def test_the_installed_package_registers_litellm(clean_env: None) -> None:
    found = discover_providers()
    assert found.providers["litellm"] is litellm_provider
    origin = found.origins["litellm"]
    assert (origin.entry_point, origin.target) == ("litellm", OWN_TARGET)
    assert (origin.distribution, origin.version) == ("clawdbot-litellm", __version__)
    assert found.group == GROUP


def test_broken_plugins_are_failures_and_the_others_still_load(make_dist: MakeDist) -> None:
    make_dist(
        "acme-providers",
        "2.3.4",
        entry_points={
            "good": "acme_good:provider",
            "as-class": "acme_class:Provider",
            "as-factory": "acme_factory:factory",
            "raises": "acme_raises:provider",
            "missing": "acme_not_there:provider",
            "no-attribute": "acme_good:nothing_here",
            "exits": "acme_exits:provider",
            "invalid": "acme_good:Provider.label",
            "factory-raises": "acme_good:broken_factory",
        },
        modules={
            "acme_good": provider_module("acme")
            + "\n\ndef broken_factory():\n    raise ValueError('no config for acme')\n",
            "acme_class": provider_module("acme-class"),
            "acme_factory": provider_module("acme-factory"),
            "acme_raises": "raise RuntimeError('acme cannot start: token expired')\n",
            "acme_exits": "import sys\nsys.exit(3)\n",
        },
    )
    found = discover_providers()

    assert {"litellm", "acme", "acme-class", "acme-factory"} <= set(found.providers)
    assert found.origins["acme"].distribution == "acme-providers"
    assert found.origins["acme"].version == "2.3.4"
    failures = {f.entry_point: f for f in found.failures if f.distribution == "acme-providers"}
    assert {name: f.kind for name, f in failures.items()} == {
        "raises": "load",
        "missing": "load",
        "no-attribute": "load",
        "exits": "load",
        "invalid": "invalid",
        "factory-raises": "load",
    }
    assert failures["raises"].error == (
        "failed to load: RuntimeError: acme cannot start: token expired"
    )
    assert isinstance(failures["raises"].exception, RuntimeError)
    assert failures["missing"].error.startswith("failed to load: ModuleNotFoundError")
    assert failures["exits"].error == "failed to load: SystemExit: 3"
    assert failures["invalid"].error.startswith("not a valid provider: str object")
    assert failures["factory-raises"].error.endswith("ValueError: no config for acme")
    assert all(f.version == "2.3.4" for f in failures.values())
    assert failures["raises"].target == "acme_raises:provider"


def test_keyboard_interrupt_during_import_is_not_swallowed(make_dist: MakeDist) -> None:
    make_dist(
        "stuck",
        entry_points={"stuck": "stuck_plugin:provider"},
        modules={"stuck_plugin": "raise KeyboardInterrupt\n"},
    )
    with pytest.raises(KeyboardInterrupt):
        discover_providers()


def test_duplicate_ids_first_claim_wins_and_litellm_stays_ours(make_dist: MakeDist) -> None:
    # "aaa" sorts before "clawdbot-litellm", yet cannot take the litellm id from this package.
    make_dist(
        "aaa-impostor",
        entry_points={"litellm": "impostor:provider"},
        modules={"impostor": provider_module("litellm")},
    )
    make_dist(
        "zeta-acme",
        entry_points={"acme": "zeta_acme:provider"},
        modules={"zeta_acme": provider_module("acme")},
    )
    make_dist(
        "beta-acme",
        entry_points={"acme": "beta_acme:provider"},
        modules={"beta_acme": provider_module("acme")},
    )
    found = discover_providers()

    assert found.providers["litellm"] is litellm_provider
    assert found.origins["acme"].distribution == "beta-acme"
    duplicates = {f.distribution: f.error for f in found.failures if f.kind == "duplicate"}
    assert set(duplicates) == {"aaa-impostor", "zeta-acme"}
    assert (
        "already provided by entry point 'litellm' of clawdbot-litellm"
        in duplicates["aaa-impostor"]
    )
    assert "'acme' of beta-acme 1.0" in duplicates["zeta-acme"]


def test_a_distribution_found_twice_on_sys_path_counts_once(
    make_dist: MakeDist, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = make_dist(
        "acme-providers",
        "2.0",
        entry_points={"acme": "acme_twice:provider"},
        modules={"acme_twice": provider_module("acme")},
    )
    later = tmp_path / "later"
    shutil.copytree(info, later / "acme_providers-1.0.dist-info")
    (later / "acme_providers-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-providers\nVersion: 1.0\n", encoding="utf-8"
    )
    monkeypatch.setattr(sys, "path", [*sys.path, str(later)])
    found = discover_providers()

    assert found.origins["acme"].version == "2.0"
    assert [f for f in found.failures if f.distribution == "acme-providers"] == []


def test_malformed_entry_point_metadata_costs_only_that_distribution(
    make_dist: MakeDist,
) -> None:
    make_dist("garbled", entry_points_text=f"[{GROUP}]\nthis line has no equals sign\n")
    make_dist("garbled-elsewhere", entry_points_text="[console_scripts]\nno equals here\n")
    make_dist(
        "fine",
        entry_points={"fine": "fine_plugin:provider"},
        modules={"fine_plugin": provider_module("fine")},
    )
    found = discover_providers()

    assert {"litellm", "fine"} <= set(found.providers)
    metadata = [f for f in found.failures if f.kind == "metadata"]
    assert [(f.distribution, f.version) for f in metadata] == [("garbled", "1.0")]
    assert metadata[0].error.startswith("unreadable entry-point metadata:")


def test_disable_switch_loads_no_plugin_but_litellm(
    make_dist: MakeDist, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_dist(
        "acme-providers",
        entry_points={"acme": "acme_disabled:provider"},
        modules={"acme_disabled": provider_module("acme")},
    )
    monkeypatch.setenv(ENV_DISABLE, "1")
    found = discover_providers()

    assert list(found.providers) == ["litellm"]
    assert [s.entry_point for s in found.skipped if s.distribution == "acme-providers"] == ["acme"]
    assert found.skip_reason == f"{ENV_DISABLE}=1"
    assert "acme_disabled" not in sys.modules  # held back means never imported


@pytest.mark.parametrize("value", ["0", "false", "No", ""])
def test_disable_switch_off_values(make_dist: MakeDist, value: str) -> None:
    make_dist(
        "acme-providers",
        entry_points={"acme": "acme_on:provider"},
        modules={"acme_on": provider_module("acme")},
    )
    found = discover_providers(environ={ENV_DISABLE: value})
    assert "acme" in found.providers
    assert found.skipped == []


@pytest.mark.parametrize("allow", ["Acme_Providers", "acme", " nothing , acme "])
def test_allow_list_by_distribution_or_entry_point_name(make_dist: MakeDist, allow: str) -> None:
    make_dist(
        "acme-providers",
        entry_points={"acme": "acme_allowed:provider"},
        modules={"acme_allowed": provider_module("acme")},
    )
    make_dist(
        "other-providers",
        entry_points={"other": "other_held:provider"},
        modules={"other_held": provider_module("other")},
    )
    found = discover_providers(environ={ENV_ALLOW: allow})

    assert set(found.providers) == {"litellm", "acme"}
    assert [s.entry_point for s in found.skipped] == ["other"]
    assert found.skip_reason.startswith(f"not listed in {ENV_ALLOW}=")
    assert "other_held" not in sys.modules


def test_discovery_does_not_import_openai(tmp_path: Path) -> None:
    script = (
        "import json, sys\n"
        "from clawdbot_litellm.plugin import discover_providers\n"
        "found = discover_providers()\n"
        "print(json.dumps([sorted(found.providers), 'openai' in sys.modules]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAWDBOT_", "LITELLM_"))}
    env["HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    providers, imported = json.loads(done.stdout)
    assert "litellm" in providers
    assert imported is False


# --- the config engine ---------------------------------------------------------------------------


def write_config(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def acme_discovery(make_dist: MakeDist) -> Discovery:
    make_dist(
        "acme-providers",
        "0.4.0",
        entry_points={"acme": "acme_engine:provider"},
        modules={"acme_engine": provider_module("acme")},
    )
    return discover_providers(environ={})


def test_merge_keeps_plugin_providers_and_lets_the_config_override_them(
    make_dist: MakeDist, tmp_path: Path
) -> None:
    discovery = acme_discovery(make_dist)
    environ = {"ACME_URL": "http://acme.internal:9000"}
    supplied = implicit_providers(discovery, environ)
    assert set(supplied) == {"acme"}  # litellm is left to the engine

    other = {"baseUrl": "http://other.test", "models": [{"id": "o1", "name": "O1"}]}
    path = write_config(tmp_path / "merge.json", {"models": {"providers": {"other": other}}})
    config: ResolvedConfig = load_config(path, environ=environ, implicit=supplied)
    assert set(config.providers) == {"litellm", "acme", "other"}
    acme = config.providers["acme"]
    assert acme.base_url == "http://acme.internal:9000"
    assert [m.id for m in acme.models] == ["acme-model"]
    assert str(acme.sources["baseUrl"]) == "environment ACME_URL"
    assert acme.sources["models"].kind == "plugin"
    assert "acme-providers 0.4.0" in acme.sources["models"].detail
    assert config.resolve("acme/acme-model").provider.name == "acme"

    override = {"baseUrl": "http://mine.test", "models": [{"id": "x", "name": "X"}]}
    path = write_config(tmp_path / "over.json", {"models": {"providers": {"acme": override}}})
    config = load_config(path, environ=environ, implicit=supplied)
    assert config.providers["acme"].base_url == "http://mine.test"
    assert [m.id for m in config.providers["acme"].models] == ["x"]
    assert config.providers["acme"].sources["baseUrl"].kind == "file"


def test_replace_drops_plugin_providers(make_dist: MakeDist, tmp_path: Path) -> None:
    supplied = implicit_providers(acme_discovery(make_dist), {})
    other = {"baseUrl": "http://other.test", "models": [{"id": "o1", "name": "O1"}]}
    document = {"models": {"mode": "replace", "providers": {"other": other}}}
    config = load_config(write_config(tmp_path / "c.json", document), environ={}, implicit=supplied)
    assert set(config.providers) == {"other"}


def test_the_engine_keeps_deriving_litellm_with_the_env_block(
    make_dist: MakeDist, tmp_path: Path
) -> None:
    supplied = implicit_providers(acme_discovery(make_dist), {})
    document = {"env": {"LITELLM_BASE_URL": "http://from-env-block:4000"}}
    config = load_config(write_config(tmp_path / "c.json", document), environ={}, implicit=supplied)
    assert config.providers["litellm"].base_url == "http://from-env-block:4000"


def test_implicit_provider_returning_none_or_failing(make_dist: MakeDist) -> None:
    make_dist(
        "acme-providers",
        entry_points={"acme": "acme_implicit:provider", "bad": "bad_implicit:provider"},
        modules={
            "acme_implicit": provider_module("acme"),
            "bad_implicit": provider_module("bad")
            + "\nProvider.implicit_provider = lambda self, environ: {'baseUrl': 'x'}\n",
        },
    )
    discovery = discover_providers(environ={})
    assert {"acme", "bad"} <= set(discovery.providers)

    assert implicit_providers(discovery, {"ACME_OFF": "1"}) == {}
    failures = [f for f in discovery.failures if f.kind == "implicit"]
    assert [(f.entry_point, f.distribution) for f in failures] == [("bad", "acme-providers")]
    assert "returned dict, not ImplicitProvider" in failures[0].error
    assert isinstance(
        implicit_providers(discover_providers(environ={}), {})["acme"], ImplicitProvider
    )
