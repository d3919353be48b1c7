"""Find, start and stop a local LiteLLM proxy: the one launcher behind ``demo`` and the live tests.

The proxy is a separate program (``litellm[proxy]`` pulls in ~750 MB and pins its own
dependencies), so it is found as an executable, never imported. It runs bound to 127.0.0.1 on a
free port, offline (``LITELLM_LOCAL_MODEL_COST_MAP``), with its working directory, ``HOME`` and
log in a temporary directory, in its own process group. ``stop()`` ends that group by the PID
started here (SIGTERM, then SIGKILL) and also runs at interpreter exit; on Linux the proxy is
told to die with the thread that started it, so even a killed CLI leaves nothing behind.
"""

from __future__ import annotations

import atexit
import contextlib
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
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType

from ..config.secrets import display_url, mask_secret
from ..errors import ProxyLaunchError

PROXY_ENV = "CLAWDBOT_LITELLM_PROXY"
INSTALL_HINT = "pip install 'clawdbot-litellm[proxy]'"
EXECUTABLE = "litellm"
HOST = "127.0.0.1"
READY_PATH = "/health/liveliness"
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
PORT_ATTEMPTS = 3

# Offline and quiet (see the offline spec): no price-map download, no telemetry, no banners.
OFFLINE_ENVIRONMENT: Mapping[str, str] = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_TELEMETRY_DISABLED": "true",
    "LITELLM_DONT_SHOW_FEEDBACK_BOX": "true",
    "LITELLM_LOG": "WARNING",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",
    "NO_PROXY": "*",
}
# Inherited variables that would reconfigure the proxy (a database, another config, real keys).
DROPPED_PREFIXES = ("LITELLM_", "DATABASE_", "REDIS_", "OPENAI_", "ANTHROPIC_", "AZURE_")
DROPPED_NAMES = frozenset(
    {"DATABASE_URL", "DIRECT_URL", "CONFIG_FILE_PATH", "STORE_MODEL_IN_DB", "WORKER_CONFIG"}
)

_RUNNING: set[LocalProxy] = set()
_REAPED = -1  # the child was already collected: its PID may belong to someone else now


# --- finding the executable ----------------------------------------------------------------------


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_litellm(
    environ: Mapping[str, str] | None = None,
    *,
    search: bool = True,
    python: str | os.PathLike[str] | None = None,
) -> Path | None:
    """The ``litellm`` executable: ``$CLAWDBOT_LITELLM_PROXY``, else beside ``python`` (default:
    this interpreter, i.e. the ``proxy`` extra), else on ``PATH``; ``None`` when there is none.

    A set ``CLAWDBOT_LITELLM_PROXY`` is the only candidate: a typo there raises
    ``ProxyLaunchError`` rather than silently running some other ``litellm``. It may name the
    executable or a virtualenv holding it. ``search=False`` looks at the variable alone.
    """
    env = os.environ if environ is None else environ
    value = env.get(PROXY_ENV, "").strip()
    if value:
        path = Path(value).expanduser()
        if path.is_dir():
            path = path / "bin" / EXECUTABLE
        if not _executable(path):
            raise ProxyLaunchError(
                f"{PROXY_ENV}={value} is not a {EXECUTABLE} executable (nor a virtualenv with "
                f"one); point it at one, or unset it and install the proxy: {INSTALL_HINT}"
            )
        return path
    if not search:
        return None
    beside = Path(sys.executable if python is None else python).parent / EXECUTABLE
    if _executable(beside):
        return beside
    found = shutil.which(EXECUTABLE, path=env.get("PATH", os.defpath))
    return Path(found) if found else None


def require_litellm(environ: Mapping[str, str] | None = None) -> Path:
    """``find_litellm``, or a ``ProxyLaunchError`` that says exactly what to install."""
    found = find_litellm(environ)
    if found is None:
        raise ProxyLaunchError(
            f"No LiteLLM proxy found (no {EXECUTABLE} beside {sys.executable} or on PATH). "
            f"Install it with: {INSTALL_HINT}  (or set {PROXY_ENV} to the path of a "
            f"{EXECUTABLE} executable)"
        )
    return found


# --- the process ---------------------------------------------------------------------------------


def free_port(host: str = HOST) -> int:
    """A port nothing listens on right now (a start is retried if another process races us)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def proxy_environment(
    home: Path, environ: Mapping[str, str] | None = None, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Ours minus what would reconfigure the proxy, plus the offline flags, ``HOME`` and
    ``extra`` (e.g. ``LITELLM_MASTER_KEY``)."""
    source = os.environ if environ is None else environ
    env = {
        name: value
        for name, value in source.items()
        if not name.startswith(DROPPED_PREFIXES) and name not in DROPPED_NAMES
    }
    env.update(OFFLINE_ENVIRONMENT)
    env["HOME"] = str(home)
    env.update(extra or {})
    return env


def _death_signal() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGTERM the proxy when its starter dies.

    ``prctl`` is looked up here, in the parent: the child runs only the call itself.
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def set_death_signal() -> None:
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return set_death_signal


def _exit_status(pid: int) -> int | None:
    """The exit status of our child ``pid`` if it has ended, *without* reaping it.

    While unreaped, its PID (which is also its process group's id) cannot be reused, so
    signalling the group afterwards reaches only what the proxy left behind.
    """
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return _REAPED
    return None if info is None else info.si_status


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


class LocalProxy:
    """A LiteLLM proxy process on 127.0.0.1; a context manager, and ``stop()`` is idempotent.

    ``config`` is used where it is (LiteLLM resolves ``custom_auth`` and callbacks relative to
    it); ``api_key`` is the key clients should send (the config's master key); ``env`` adds
    variables to the proxy's environment after the inherited ones are cleaned.
    """

    def __init__(
        self,
        executable: str | os.PathLike[str],
        config: str | os.PathLike[str],
        *,
        api_key: str | None = None,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = STARTUP_TIMEOUT,
        stop_timeout: float = STOP_TIMEOUT,
    ) -> None:
        self.executable = Path(executable)
        self.config = Path(config).resolve()
        self.api_key = api_key
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.port = 0
        self._env = dict(env or {})
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None

    @property
    def base_url(self) -> str:
        """The proxy's root URL, without ``/v1`` (the adapter appends it)."""
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        if self._process is None:
            raise ProxyLaunchError("The LiteLLM proxy is not running; start() it first")
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and _exit_status(self._process.pid) is None

    @property
    def log_path(self) -> Path | None:
        return None if self._workdir is None else self._workdir / "proxy.log"

    def __repr__(self) -> str:  # never shows the key
        state = f"pid={self._process.pid}" if self._process else "stopped"
        return f"{type(self).__name__}({display_url(self.base_url)}, {state})"

    def __enter__(self) -> LocalProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> LocalProxy:
        """Start the proxy; return once ``/health/liveliness`` answers.

        Anything that goes wrong meanwhile (including Ctrl-C) stops the process before the
        exception leaves; a failure raises ``ProxyLaunchError`` with the end of the proxy's log.
        """
        if self.running:
            return self
        if not self.config.is_file():
            raise ProxyLaunchError(f"LiteLLM proxy config not found: {self.config}")
        for attempt in range(1, PORT_ATTEMPTS + 1):
            try:
                self._spawn()
                self._wait_until_ready()
            except ProxyLaunchError as error:
                tail = self.log_tail()
                self.stop()
                if "address already in use" in tail.lower() and attempt < PORT_ATTEMPTS:
                    continue
                raise ProxyLaunchError(f"{error}\n--- proxy log (last lines) ---\n{tail}") from None
            except BaseException:
                self.stop()
                raise
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
        try:
            with log_path.open("wb") as log:
                self._process = subprocess.Popen(
                    command,
                    cwd=self._workdir,
                    env=proxy_environment(self._workdir, extra=self._env),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group, so stop() reaches children
                    preexec_fn=_death_signal(),  # noqa: PLW1509 - only calls prctl
                )
        except OSError as error:
            raise ProxyLaunchError(
                f"Cannot run {self.executable}: {error.strerror or error}; reinstall the proxy "
                f"({INSTALL_HINT}) or fix {PROXY_ENV}"
            ) from None
        _RUNNING.add(self)

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        url = self.base_url + READY_PATH
        # Never through an HTTP proxy from the environment: this is loopback.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            status = _exit_status(self._process.pid)
            if status is not None:
                raise ProxyLaunchError(
                    f"The LiteLLM proxy ({self.executable}) exited with code {status} before "
                    "it was ready"
                )
            try:
                with opener.open(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        raise ProxyLaunchError(
            f"The LiteLLM proxy did not answer {display_url(url)} "
            f"within {self.startup_timeout:.0f} s"
        )

    def stop(self) -> None:
        """Stop the process group started here (SIGTERM, then SIGKILL); remove the temp dir."""
        process, self._process = self._process, None
        _RUNNING.discard(self)
        if process is not None and _exit_status(process.pid) != _REAPED:
            if _exit_status(process.pid) is None:
                _signal_group(process.pid, signal.SIGTERM)
                if not self._wait_exit(process.pid):
                    _signal_group(process.pid, signal.SIGKILL)
                    self._wait_exit(process.pid)
            # The leader has ended but is not reaped yet: its group id still names only its own
            # group, so this takes down whatever it left there and nothing else.
            _signal_group(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=self.stop_timeout)
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def _wait_exit(self, pid: int) -> bool:
        deadline = time.monotonic() + self.stop_timeout
        while time.monotonic() < deadline:
            if _exit_status(pid) is not None:
                return True
            time.sleep(0.05)
        return False

    def log_tail(self, lines: int = 40) -> str:
        """The last lines the proxy printed, with the key masked."""
        path = self.log_path
        if path is None or not path.is_file():
            return "(no log)"
        text = path.read_text(encoding="utf-8", errors="replace")
        if self.api_key:
            text = text.replace(self.api_key, mask_secret(self.api_key))
        return "\n".join(text.splitlines()[-lines:])


@atexit.register
def _stop_leftovers() -> None:
    for proxy in list(_RUNNING):
        proxy.stop()


__all__ = [
    "HOST",
    "INSTALL_HINT",
    "PROXY_ENV",
    "LocalProxy",
    "find_litellm",
    "free_port",
    "proxy_environment",
    "require_litellm",
]
