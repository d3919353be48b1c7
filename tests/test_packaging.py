"""What we ship: one version everywhere, archives with the right contents, and the entry point
working from a wheel installed into a clean virtualenv next to a deliberately broken plugin.

The build and install test is marked ``slow`` (about a minute: an isolated build, a fresh
virtualenv, dependencies from the package index or pip's cache). Both need the package index: with
no network (``unshare -n``) they skip and say so, unless ``CLAWDBOT_LITELLM_REQUIRE_PACKAGING=1``
(set by ``.ci/run``) makes that a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from clawdbot_litellm._version import __version__

ROOT = Path(__file__).resolve().parents[1]
BROKEN_PLUGIN = ROOT / "tests" / "fixtures" / "broken_plugin"
HEADING = re.compile(r"^## \[(?P<name>[^\]]+)\](?: - (?P<date>\S+))?\s*$", re.MULTILINE)
MASTER_KEY = re.compile(r"^\s*master_key\s*:\s*['\"]?([^'\"\s#]+)", re.MULTILINE)
SK_KEY = re.compile(r"\bsk-[A-Za-z0-9_-]{6,}")


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


# --- one version ---------------------------------------------------------------------------------


def test_the_build_takes_its_version_from_the_package(tmp_path: Path) -> None:
    """What setuptools makes of setup.cfg (not a literal line of it) is ``__version__``; with the
    version changed in ``_version.py`` alone, the build's version follows."""
    from setuptools.config.setupcfg import read_configuration

    assert read_configuration(ROOT / "setup.cfg")["metadata"]["version"] == __version__
    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "clawdbot_litellm", copy / "clawdbot_litellm")
    for name in ("setup.cfg", "README.md"):  # the long description is read too
        shutil.copy(ROOT / name, copy / name)
    (copy / "clawdbot_litellm" / "_version.py").write_text('__version__ = "9.8.7"\n')
    assert read_configuration(copy / "setup.cfg")["metadata"]["version"] == "9.8.7"


def test_changelog_newest_heading_matches_the_version() -> None:
    """The newest released heading is ``__version__``; an ``[Unreleased]`` section may sit above
    it only while ``__version__`` is already the next version, or before any release."""
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = [(m["name"], m["date"]) for m in HEADING.finditer(changelog)]
    assert headings, "CHANGELOG.md has no '## [x.y.z] - YYYY-MM-DD' or '## [Unreleased]' heading"
    released = [(name, date) for name, date in headings if name.lower() != "unreleased"]
    for name, date in released:
        assert re.fullmatch(r"\d+\.\d+\.\d+", name), f"## [{name}]: not an x.y.z version"
        assert date, f"## [{name}] needs its release date: '## [{name}] - YYYY-MM-DD'"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", date), (
            f"## [{name}] needs its release date: '## [{name}] - YYYY-MM-DD'"
        )
    unreleased_first = headings[0][0].lower() == "unreleased"
    if not released:
        assert unreleased_first
        return
    newest = released[0][0]
    if unreleased_first and newest != __version__:
        assert _version_tuple(__version__) > _version_tuple(newest), (
            f"_version.py says {__version__}, older than the newest release {newest}"
        )
    else:
        assert newest == __version__, (
            f"CHANGELOG.md's newest release is {newest} but _version.py says {__version__}"
        )
    assert [name for name, _ in released] == sorted(
        (name for name, _ in released), key=_version_tuple, reverse=True
    ), "CHANGELOG.md headings must go from newest to oldest"


# --- build, inspect, install ---------------------------------------------------------------------


def _clean_env(home: Path) -> dict[str, str]:
    """The machine's environment without anything that would let the source tree leak in."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CLAWDBOT_", "LITELLM_", "PYTHON", "VIRTUAL_ENV", "CONDA_"))
    }
    # pip keeps its real cache (dependencies come fast from it); our HOME-based lookups do not.
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    env.setdefault("PIP_CACHE_DIR", str(cache / "pip"))
    env["HOME"] = str(home)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _run(args: list[str | Path], *, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, (
        f"{' '.join(map(str, args))} exited {done.returncode}\n"
        f"--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}"
    )
    return done.stdout


def _test_keys() -> set[str]:
    """Keys our test configs use (the proxy's master key, ``sk-...`` keys): none may be shipped.

    Placeholders such as ``placeholder-not-a-key`` are not keys; ``os.environ/...`` is a reference.
    """
    keys: set[str] = set()
    for path in [*ROOT.joinpath("tests").rglob("*.yaml"), *ROOT.joinpath("tests").rglob("*.yml")]:
        text = path.read_text(encoding="utf-8")
        keys.update(MASTER_KEY.findall(text), SK_KEY.findall(text))
    return {key for key in keys if not key.startswith("os.environ/")}


REQUIRE_PACKAGING = "CLAWDBOT_LITELLM_REQUIRE_PACKAGING"
_PROBE = """
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5).close()
except OSError as error:
    print(f"{type(error).__name__}: {error}")
"""


def _index_unreachable() -> str | None:
    """Why pip's package index cannot be reached from here, or ``None`` when it can.

    Asked in a child process, as pip itself would connect (the network guard of this process
    blocks every connection on purpose).
    """
    url = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").split()[0]
    parts = urlsplit(url)
    if parts.scheme == "file" or not parts.hostname:
        return None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, parts.hostname, str(port)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    problem = probe.stdout.strip() or probe.stderr.strip()[-300:]
    return f"{parts.hostname}:{port} cannot be reached ({problem})" if problem else None


@pytest.fixture(scope="module")
def package_index() -> None:
    """Skip (or, under ``.ci/run``, fail) when the package index is out of reach."""
    problem = _index_unreachable()
    if problem is None:
        return
    reason = (
        "needs the network: building the wheel installs its build requirements (setuptools, "
        "wheel) from the package index into an isolated environment, and the fresh virtualenv "
        f"installs the runtime dependencies; {problem}"
    )
    if os.environ.get(REQUIRE_PACKAGING) == "1":
        pytest.fail(f"{REQUIRE_PACKAGING}=1, but this test {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory, package_index: None) -> Path:
    return tmp_path_factory.mktemp("packaging")


@pytest.fixture(scope="module")
def archives(work: Path) -> tuple[Path, Path]:
    """sdist and wheel, built (wheel from the sdist) from a copy of the working tree, so the
    build never writes into the repository other tests are running from."""
    source = work / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", "*.egg-info", "__pycache__", ".*_cache", ".venv", "build", "dist", ".hypothesis"
        ),
    )
    out = work / "dist"
    _run([sys.executable, "-m", "build", "--outdir", out, source], cwd=work, env=_clean_env(work))
    sdist = next(out.glob("*.tar.gz"))
    wheel = next(out.glob("*.whl"))
    return sdist, wheel


def _members(sdist: Path, wheel: Path) -> dict[str, dict[str, bytes]]:
    with tarfile.open(sdist) as tar:
        prefix = f"{tar.getnames()[0].split('/')[0]}/"
        sdist_files = {
            member.name.removeprefix(prefix): tar.extractfile(member).read()  # type: ignore[union-attr]
            for member in tar.getmembers()
            if member.isfile()
        }
    with zipfile.ZipFile(wheel) as archive:
        wheel_files = {name: archive.read(name) for name in archive.namelist()}
    return {"sdist": sdist_files, "wheel": wheel_files}


@pytest.mark.slow
def test_archives_contain_the_package_and_no_tests_or_secrets(archives: tuple[Path, Path]) -> None:
    sdist, wheel = archives
    assert sdist.name == f"clawdbot_litellm-{__version__}.tar.gz"
    assert wheel.name == f"clawdbot_litellm-{__version__}-py3-none-any.whl"
    members = _members(sdist, wheel)
    keys = _test_keys()
    for kind, files in members.items():
        names = sorted(files)
        assert "clawdbot_litellm/py.typed" in names, f"{kind} lacks the py.typed marker"
        assert "clawdbot_litellm/plugin.py" in names
        shipped_outside = [
            n for n in names if n.split("/")[0] in ("tests", "cassettes", "bench", ".ci")
        ]
        assert shipped_outside == [], f"{kind} ships {shipped_outside}"
        yaml = [n for n in names if n.endswith((".yaml", ".yml"))]
        assert all(n.startswith("clawdbot_litellm/demo/") for n in yaml), f"{kind}: {yaml}"
        leaked = [(n, key) for n, data in files.items() for key in keys if key.encode() in data]
        assert leaked == [], f"{kind} contains test keys: {leaked}"
    wheel_files = members["wheel"]
    info = f"clawdbot_litellm-{__version__}.dist-info"
    entry_points = wheel_files[f"{info}/entry_points.txt"].decode()
    assert "[clawdbot.providers]\nlitellm = clawdbot_litellm.plugin:litellm_provider" in (
        entry_points
    )
    assert "clawdbot-litellm = clawdbot_litellm.cli:main" in entry_points
    metadata = wheel_files[f"{info}/METADATA"].decode()
    assert f"\nVersion: {__version__}\n" in metadata
    requirements = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    proxy = [line for line in requirements if re.search(r"Requires-Dist: litellm\b", line)]
    assert all("extra ==" in line for line in proxy), f"the proxy must stay an extra: {proxy}"


DISCOVER = """
import json, sys
import clawdbot_litellm
from clawdbot_litellm.plugin import discover_providers

found = discover_providers()
report = {
    "package": clawdbot_litellm.__file__,
    "providers": {
        pid: [o.entry_point, o.distribution, o.version] for pid, o in found.origins.items()
    },
    "failures": {
        f.entry_point: [f.distribution, f.version, f.kind, f.error] for f in found.failures
    },
    "openai_imported": "openai" in sys.modules,
}
client = found.providers["litellm"].create_client()
report["client"] = [type(client).__name__, client.config.providers["litellm"].base_url]
print(json.dumps(report))
"""


@pytest.mark.slow
def test_wheel_in_a_fresh_virtualenv_with_a_broken_plugin(
    archives: tuple[Path, Path], work: Path
) -> None:
    _, wheel = archives
    env = _clean_env(work)
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=work, env=env)
    python, script = venv / "bin" / "python", venv / "bin" / "clawdbot-litellm"
    plugin = shutil.copytree(BROKEN_PLUGIN, work / "broken_plugin")  # pip builds in the tree
    _run([python, "-m", "pip", "install", "-q", wheel, plugin], cwd=work, env=env)

    run_env = {**env, "LITELLM_BASE_URL": "http://127.0.0.1:9"}
    report: dict[str, Any] = json.loads(_run([python, "-c", DISCOVER], cwd=work, env=run_env))
    assert Path(report["package"]).is_relative_to(venv), "the wheel, not the source tree, ran"
    assert report["providers"]["litellm"] == ["litellm", "clawdbot-litellm", __version__]
    assert report["providers"]["broken-fixture-survivor"] == [
        "survivor",
        "clawdbot-broken-plugin",
        "0.0.1",
    ]
    failures = report["failures"]
    assert set(failures) == {"raises", "exits", "missing", "not-a-provider", "impostor"}
    assert all(f[:2] == ["clawdbot-broken-plugin", "0.0.1"] for f in failures.values())
    assert {name: f[2] for name, f in failures.items()} == {
        "raises": "load",
        "exits": "load",
        "missing": "load",
        "not-a-provider": "invalid",
        "impostor": "duplicate",
    }
    assert failures["raises"][3] == (
        "failed to load: RuntimeError: clawdbot-broken-plugin: this plugin is broken on purpose"
    )
    assert failures["exits"][3].startswith("failed to load: SystemExit: clawdbot-broken-plugin")
    assert report["openai_imported"] is False
    assert report["client"] == ["Client", "http://127.0.0.1:9"]

    listing = json.loads(_run([script, "plugins", "--json"], cwd=work, env=env))
    assert [p["id"] for p in listing["providers"]] == ["broken-fixture-survivor", "litellm"]
    assert listing["providers"][1]["version"] == __version__
    assert {f["entryPoint"] for f in listing["failures"]} == set(failures)

    help_text = _run([python, "-m", "clawdbot_litellm", "--help"], cwd=work, env=env)
    assert "plugins" in help_text
    assert "onboard" in help_text
    version = _run([script, "--version"], cwd=work, env=env)
    assert __version__ in version
