"""Start and stop a real LiteLLM proxy for the live tests and for recording cassettes.

The proxy lives in its own virtualenv (it pulls in ~750 MB and pins its own dependencies), found
through ``CLAWDBOT_LITELLM_PROXY``: the path of that virtualenv's ``litellm`` executable (the
virtualenv directory itself is accepted too). ``tests/proxy/setup_venv.sh`` creates one and prints
the path::

    export CLAWDBOT_LITELLM_PROXY="$(tests/proxy/setup_venv.sh)"

In a test, ask for the session-scoped ``litellm_proxy`` fixture (root ``tests/conftest.py``); in a
script, use the context manager::

    with ProxyServer(find_proxy_executable()) as proxy:
        client = openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key=proxy.api_key)

The proxy runs ``litellm_config.yaml`` next to this file (mock models only: no upstream, no
internet), bound to 127.0.0.1 on a free port, with its working directory and HOME in a temporary
directory that is removed on stop. It is stopped by the PID this module started (its own process
group: SIGTERM, then SIGKILL after a grace period), also at interpreter exit and, on Linux, when
the test process dies.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import yaml  # type: ignore[import-untyped]

PROXY_ENV = "CLAWDBOT_LITELLM_PROXY"
REQUIRE_PROXY_ENV = "CLAWDBOT_LITELLM_REQUIRE_PROXY"
HERE = Path(__file__).resolve().parent
DEFAULT_CONFIG = HERE / "litellm_config.yaml"
SETUP_SCRIPT = HERE / "setup_venv.sh"
HOST = "127.0.0.1"
READY_PATH = "/health/liveliness"

# Environment that makes the proxy start offline and quietly (see the offline spec).
_PROXY_ENVIRONMENT = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_TELEMETRY_DISABLED": "true",
    "LITELLM_DONT_SHOW_FEEDBACK_BOX": "true",
    "LITELLM_LOG": "WARNING",
    "PYTHONDONTWRITEBYTECODE": "1",  # custom_auth.py is imported from the source tree
    "PYTHONUNBUFFERED": "1",
    "NO_PROXY": "*",
}
# Inherited variables that would change what the proxy does (a database, another config or key).
_DROPPED_PREFIXES = ("LITELLM_", "DATABASE_", "REDIS_", "OPENAI_", "ANTHROPIC_", "AZURE_")
_DROPPED_NAMES = frozenset({"DATABASE_URL", "DIRECT_URL", "CONFIG_FILE_PATH", "STORE_MODEL_IN_DB"})
_PORT_ATTEMPTS = 3
_LIVE_SERVERS: set[ProxyServer] = set()


class ProxyStartError(RuntimeError):
    """The proxy could not be found or did not become ready; the message says why and what to do."""


def hint() -> str:
    """How to point the tests at a proxy virtualenv, for skip and failure messages."""
    return (
        f"set {PROXY_ENV} to the litellm executable of a virtualenv with "
        "litellm[proxy]==1.108.7, e.g. "
        f'`export {PROXY_ENV}="$({SETUP_SCRIPT.relative_to(HERE.parent.parent)})"`'
    )


def find_proxy_executable(environ: Mapping[str, str] | None = None) -> Path | None:
    """The proxy executable named by ``CLAWDBOT_LITELLM_PROXY``, or None when it is unset.

    A set but unusable value is an error rather than None, so a typo does not silently skip
    the live suite.
    """
    value = (os.environ if environ is None else environ).get(PROXY_ENV, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if path.is_dir():
        path = path / "bin" / "litellm"
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise ProxyStartError(f"{PROXY_ENV}={value}: no executable litellm there; {hint()}")
    return path


def read_master_key(config: Path) -> str:
    """The test key the proxy accepts: ``general_settings.master_key`` of its config."""
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    key = (document.get("general_settings") or {}).get("master_key")
    if not isinstance(key, str) or not key:
        raise ProxyStartError(f"{config}: general_settings.master_key must be a non-empty string")
    return key


def free_port(host: str = HOST) -> int:
    """A port nothing listens on right now (the proxy is retried if another process races us)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def proxy_environment(home: Path, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Our environment minus anything that would reconfigure the proxy, plus offline flags."""
    source = os.environ if environ is None else environ
    env = {
        name: value
        for name, value in source.items()
        if not name.startswith(_DROPPED_PREFIXES) and name not in _DROPPED_NAMES
    }
    env.update(_PROXY_ENVIRONMENT)
    env["HOME"] = str(home)
    return env


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM the proxy if the test process dies without cleaning up."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class ProxyServer:
    """A LiteLLM proxy process started from a separate virtualenv; stop() is idempotent."""

    def __init__(
        self,
        executable: Path | str,
        *,
        config: Path = DEFAULT_CONFIG,
        startup_timeout: float = 60.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.executable = Path(executable)
        self.config = Path(config).resolve()
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.api_key = read_master_key(self.config)
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None

    @property
    def base_url(self) -> str:
        """The proxy's root URL without ``/v1`` (the adapter appends it)."""
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        if self._process is None:
            raise ProxyStartError("the proxy is not running")
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def log_path(self) -> Path | None:
        return None if self._workdir is None else self._workdir / "proxy.log"

    def __repr__(self) -> str:  # never shows the key
        state = f"pid={self._process.pid}" if self._process else "stopped"
        return f"ProxyServer({self.base_url}, {state})"

    def __enter__(self) -> ProxyServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> ProxyServer:
        """Start the proxy and return once it answers ``/health/liveliness``."""
        if self.running:
            return self
        if not self.config.is_file():
            raise ProxyStartError(f"proxy config not found: {self.config}")
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            self._spawn()
            try:
                self._wait_until_ready()
            except ProxyStartError as error:
                tail = self.log_tail()
                self.stop()
                port_taken = "address already in use" in tail.lower()
                if port_taken and attempt < _PORT_ATTEMPTS:
                    continue
                raise ProxyStartError(f"{error}\n--- proxy log (last lines) ---\n{tail}") from None
            return self
        raise AssertionError("unreachable")  # pragma: no cover

    def _spawn(self) -> None:
        self._workdir = Path(tempfile.mkdtemp(prefix="clawdbot-litellm-proxy-"))
        self.port = free_port()
        command = [
            str(self.executable),
            "--config",
            str(self.config),
            "--host",
            HOST,
            "--port",
            str(self.port),
        ]
        log_path = self._workdir / "proxy.log"
        with log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command,
                cwd=self._workdir,
                env=proxy_environment(self._workdir),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so stop() reaches any child
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - only calls prctl
            )
        _LIVE_SERVERS.add(self)

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout
        url = self.base_url + READY_PATH
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                raise ProxyStartError(f"the proxy exited with code {code} before it was ready")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        raise ProxyStartError(f"the proxy did not answer {url} within {self.startup_timeout:.0f} s")

    def stop(self) -> None:
        """Stop the process group started here (SIGTERM, then SIGKILL) and remove the temp dir."""
        process, self._process = self._process, None
        _LIVE_SERVERS.discard(self)
        if process is not None and process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait(timeout=self.stop_timeout)
        if process is not None:
            # The leader is gone; take down anything it left in its group.
            _signal_group(process.pid, signal.SIGKILL)
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def log_tail(self, lines: int = 40) -> str:
        """The last lines the proxy printed (its log file lives in the temp working directory)."""
        path = self.log_path
        if path is None or not path.is_file():
            return "(no log)"
        text = path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_LIVE_SERVERS):
        server.stop()
