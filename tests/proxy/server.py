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
the test process dies. The process handling is the package's own launcher
(``clawdbot_litellm.demo.launcher``, also behind ``clawdbot-litellm demo``); this module adds the
test suite's policy: the proxy named only by ``CLAWDBOT_LITELLM_PROXY``, and the test config.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import yaml

from clawdbot_litellm.demo.launcher import (
    PROXY_ENV,
    LocalProxy,
    find_litellm,
    free_port,
    proxy_environment,
)
from clawdbot_litellm.errors import ProxyLaunchError

from .upstream import Upstream

REQUIRE_PROXY_ENV = "CLAWDBOT_LITELLM_REQUIRE_PROXY"
HERE = Path(__file__).resolve().parent
DEFAULT_CONFIG = HERE / "litellm_config.yaml"
SETUP_SCRIPT = HERE / "setup_venv.sh"

# The launcher's error: the proxy could not be found or did not become ready.
ProxyStartError = ProxyLaunchError


def hint() -> str:
    """How to point the tests at a proxy virtualenv, for skip and failure messages."""
    return (
        f"set {PROXY_ENV} to the litellm executable of a virtualenv with "
        "litellm[proxy]==1.108.7, e.g. "
        f'`export {PROXY_ENV}="$({SETUP_SCRIPT.relative_to(HERE.parent.parent)})"`'
    )


def find_proxy_executable(environ: Mapping[str, str] | None = None) -> Path | None:
    """The proxy executable named by ``CLAWDBOT_LITELLM_PROXY``, or None when it is unset.

    Only the variable counts (never a ``litellm`` on PATH), so the live suite runs the pinned
    proxy or none. A set but unusable value is an error rather than None, so a typo does not
    silently skip the live suite.
    """
    try:
        return find_litellm(environ, search=False)
    except ProxyLaunchError:
        value = (os.environ if environ is None else environ).get(PROXY_ENV, "").strip()
        raise ProxyStartError(
            f"{PROXY_ENV}={value}: no executable litellm there; {hint()}"
        ) from None


def read_master_key(config: Path) -> str:
    """The test key the proxy accepts: ``general_settings.master_key`` of its config."""
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    key = (document.get("general_settings") or {}).get("master_key")
    if not isinstance(key, str) or not key:
        raise ProxyStartError(f"{config}: general_settings.master_key must be a non-empty string")
    return key


class ProxyServer(LocalProxy):
    """The test proxy: ``litellm_config.yaml`` (or another config) and its master key."""

    def __init__(
        self,
        executable: Path | str,
        *,
        config: Path = DEFAULT_CONFIG,
        startup_timeout: float = 60.0,
        stop_timeout: float = 10.0,
    ) -> None:
        super().__init__(
            executable,
            config,
            api_key=read_master_key(Path(config)),
            startup_timeout=startup_timeout,
            stop_timeout=stop_timeout,
        )
        # The tool and structured-output models are routed to this scripted upstream.
        self.upstream = Upstream()

    def start(self) -> ProxyServer:
        self._env.update(self.upstream.start().environment())
        try:
            super().start()
        except BaseException:
            self.upstream.stop()
            raise
        return self

    def stop(self) -> None:
        super().stop()
        self.upstream.stop()


__all__ = [
    "DEFAULT_CONFIG",
    "PROXY_ENV",
    "REQUIRE_PROXY_ENV",
    "ProxyServer",
    "ProxyStartError",
    "find_proxy_executable",
    "free_port",
    "hint",
    "proxy_environment",
    "read_master_key",
]
