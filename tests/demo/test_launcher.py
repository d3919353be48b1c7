"""The one LiteLLM proxy launcher (``demo`` and the live tests): finding the executable, and
starting and stopping a process group that leaves nothing behind, whatever happens meanwhile.

Process handling is shown with small shell scripts that stand in for a proxy that never becomes
ready (the real proxy cannot be made to hang on purpose); the real proxy runs in the live test.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from clawdbot_litellm.demo import MASTER_KEY_ENV, demo_proxy_config
from clawdbot_litellm.demo.launcher import (
    INSTALL_HINT,
    PROXY_ENV,
    LocalProxy,
    find_litellm,
    proxy_environment,
    require_litellm,
)
from clawdbot_litellm.errors import ProxyLaunchError

LIVE_PROXY = os.environ.get(PROXY_ENV, "")


def executable(path: Path, script: str = "#!/bin/sh\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(script)
    path.chmod(0o755)
    return path


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _gone(pid: int, within: float = 5.0) -> bool:
    """The pid has ended (an orphaned grandchild may take a moment to be reaped by init)."""
    deadline = time.monotonic() + within
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid)


def _pids(path: Path, count: int, within: float = 10.0) -> list[int]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        lines = path.read_text().split() if path.exists() else []
        if len(lines) >= count:
            return [int(line) for line in lines]
        time.sleep(0.05)
    raise AssertionError(f"{path} never listed {count} pids")


# --- finding the executable ----------------------------------------------------------------------


def test_the_variable_names_the_executable_or_its_virtualenv(tmp_path: Path) -> None:
    exe = executable(tmp_path / "venv" / "bin" / "litellm")
    assert find_litellm({PROXY_ENV: str(exe)}) == exe
    assert find_litellm({PROXY_ENV: f"  {tmp_path / 'venv'}  "}) == exe
    assert find_litellm({PROXY_ENV: str(exe)}, search=False) == exe


def test_a_set_variable_is_the_only_candidate(tmp_path: Path) -> None:
    on_path = executable(tmp_path / "bin" / "litellm")
    environ = {PROXY_ENV: str(tmp_path / "typo"), "PATH": str(on_path.parent)}
    with pytest.raises(ProxyLaunchError) as error:
        find_litellm(environ)
    assert str(error.value).startswith(f"{PROXY_ENV}={tmp_path / 'typo'} is not a litellm ")
    assert str(error.value).endswith(f"install the proxy: {INSTALL_HINT}")
    not_executable = tmp_path / "plain" / "litellm"
    not_executable.parent.mkdir()
    not_executable.write_text("")
    with pytest.raises(ProxyLaunchError):
        find_litellm({PROXY_ENV: str(not_executable)})


def test_without_the_variable_beside_python_then_on_path(tmp_path: Path) -> None:
    python = tmp_path / "venv" / "bin" / "python"
    on_path = executable(tmp_path / "bin" / "litellm")
    environ = {"PATH": f"{tmp_path / 'nothing'}{os.pathsep}{on_path.parent}"}
    assert find_litellm(environ, python=python) == on_path
    beside = executable(python.parent / "litellm")
    assert find_litellm(environ, python=python) == beside
    assert find_litellm(environ, python=python, search=False) is None
    assert find_litellm({"PATH": str(tmp_path / "nothing")}, python=tmp_path / "python") is None


def test_require_says_exactly_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    with pytest.raises(ProxyLaunchError) as error:
        require_litellm({"PATH": str(tmp_path)})
    assert f"Install it with: {INSTALL_HINT}" in str(error.value)
    exe = executable(tmp_path / "litellm")
    assert require_litellm({"PATH": str(tmp_path)}) == exe


def test_the_proxy_environment_is_offline_clean_and_takes_extras(tmp_path: Path) -> None:
    env = proxy_environment(
        tmp_path,
        {
            "PATH": "/bin",
            "LITELLM_MASTER_KEY": "inherited",
            "REDIS_HOST": "r",
            "WORKER_CONFIG": "w",
        },
        extra={MASTER_KEY_ENV: "sk-demo-key"},
    )
    assert env["PATH"] == "/bin"
    assert env["HOME"] == str(tmp_path)
    assert env[MASTER_KEY_ENV] == "sk-demo-key"
    assert env["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    assert env["LITELLM_TELEMETRY_DISABLED"] == "true"
    assert not {"REDIS_HOST", "WORKER_CONFIG"} & set(env)


# --- the process ---------------------------------------------------------------------------------

# Starts a child of its own, records both pids, and never answers: a proxy stuck starting up.
NEVER_READY = """#!/bin/sh
sleep 60 &
echo $! >> "{pids}"
echo $$ >> "{pids}"
echo "starting with key {key}"
exec sleep 60
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "proxy.yaml"
    path.write_text("model_list: []\n")
    return path


@pytest.mark.usefixtures("loopback_allowed")
def test_a_proxy_that_never_answers_is_stopped_with_its_children(
    tmp_path: Path, config: Path
) -> None:
    pids = tmp_path / "pids"
    key = "sk-demo-" + secrets.token_hex(8)
    fake = executable(tmp_path / "litellm", NEVER_READY.format(pids=pids, key=key))
    proxy = LocalProxy(fake, config, api_key=key, startup_timeout=1.5, stop_timeout=2)
    with pytest.raises(ProxyLaunchError) as error:
        proxy.start()
    message = str(error.value)
    assert message.startswith("The LiteLLM proxy did not answer http://127.0.0.1:")
    assert "/health/liveliness within 2 s" in message
    assert f"starting with key {key[:3]}…{key[-4:]}" in message  # the log, key masked
    assert key not in message
    child, leader = _pids(pids, 2)
    assert _gone(leader)
    assert _gone(child)  # the whole process group, not just the leader
    assert not proxy.running
    assert proxy.log_path is None  # the temporary directory is gone


@pytest.mark.usefixtures("loopback_allowed")
def test_ctrl_c_while_starting_stops_the_process(
    tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pids = tmp_path / "pids"
    fake = executable(tmp_path / "litellm", NEVER_READY.format(pids=pids, key="k"))
    proxy = LocalProxy(fake, config, startup_timeout=30, stop_timeout=2)
    started: list[Path] = []

    def interrupted(self: LocalProxy) -> None:
        _pids(pids, 2)
        assert self.log_path is not None
        started.append(self.log_path.parent)
        raise KeyboardInterrupt

    monkeypatch.setattr(LocalProxy, "_wait_until_ready", interrupted)
    with pytest.raises(KeyboardInterrupt):
        proxy.start()
    child, leader = _pids(pids, 2)
    assert _gone(leader)
    assert _gone(child)
    assert not started[0].exists()


@pytest.mark.usefixtures("loopback_allowed")
def test_a_proxy_that_exits_reports_its_code_and_log(tmp_path: Path, config: Path) -> None:
    fake = executable(tmp_path / "litellm", "#!/bin/sh\necho 'bad config: boom' >&2\nexit 4\n")
    proxy = LocalProxy(fake, config, startup_timeout=10)
    with pytest.raises(ProxyLaunchError, match=r"(?s)exited with code 4 before.*bad config: boom"):
        proxy.start()
    proxy.stop()  # idempotent


def test_a_missing_config_or_executable_is_a_clear_error(tmp_path: Path, config: Path) -> None:
    with pytest.raises(ProxyLaunchError, match="LiteLLM proxy config not found"):
        LocalProxy(executable(tmp_path / "litellm"), tmp_path / "none.yaml").start()
    broken = tmp_path / "broken"
    broken.write_text("#!/no/such/interpreter\n")
    broken.chmod(0o755)
    with pytest.raises(ProxyLaunchError, match=r"Cannot run .*broken.*reinstall the proxy"):
        LocalProxy(broken, config).start()
    with pytest.raises(ProxyLaunchError, match=r"not running; start\(\) it first"):
        _ = LocalProxy(broken, config).pid


@pytest.mark.live
def test_the_demo_config_runs_on_the_real_proxy(tmp_path: Path) -> None:
    if not LIVE_PROXY:
        pytest.skip(f"{PROXY_ENV} is not set")
    proxy_config = tmp_path / "litellm_demo.yaml"
    proxy_config.write_text(demo_proxy_config())
    key = "sk-demo-" + secrets.token_hex(16)
    exe = find_litellm({PROXY_ENV: LIVE_PROXY})
    assert exe is not None
    with LocalProxy(exe, proxy_config, api_key=key, env={MASTER_KEY_ENV: key}) as proxy:
        pid = proxy.pid
        assert os.getpgid(pid) == pid
        assert key not in repr(proxy)
        request = urllib.request.Request(  # noqa: S310 - loopback
            proxy.base_url + "/v1/models", headers={"Authorization": f"Bearer {key}"}
        )
        with urllib.request.urlopen(request) as response:  # noqa: S310
            served = [m["id"] for m in json.loads(response.read())["data"]]
        assert served == ["gpt-4", "claude-3-opus", "gpt-4o"]
        wrong = urllib.request.Request(  # noqa: S310
            proxy.base_url + "/v1/models", headers={"Authorization": "Bearer sk-wrong"}
        )
        with pytest.raises(urllib.error.HTTPError):  # the generated master key is enforced
            urllib.request.urlopen(wrong)  # noqa: S310
    assert _gone(pid)
    assert not proxy.running
