"""The real LiteLLM proxy the live benchmarks talk to, started through the package's launcher."""

from __future__ import annotations

import os
from pathlib import Path

from clawdbot_litellm.demo.launcher import LocalProxy, find_litellm

from ._common import BENCH_DIR, PROXY_VENV
from ._fixtures import API_KEY

PROXY_CONFIG = BENCH_DIR / "litellm_bench.yaml"


def litellm_executable() -> Path:
    """``$CLAWDBOT_LITELLM_PROXY`` or a ``litellm`` beside/along PATH, else this machine's venv."""
    found = find_litellm()
    if found is not None:
        return found
    fallback = PROXY_VENV / "bin" / "litellm"
    if not os.access(fallback, os.X_OK):
        raise SystemExit(
            "No LiteLLM proxy found: set CLAWDBOT_LITELLM_PROXY to a litellm executable "
            "(pip install 'clawdbot-litellm[proxy]' in a separate virtualenv)"
        )
    return fallback


def proxy_python() -> Path:
    """The interpreter of the proxy's virtualenv (it has LiteLLM's SDK)."""
    return litellm_executable().parent / "python"


def bench_proxy() -> LocalProxy:
    return LocalProxy(
        litellm_executable(),
        PROXY_CONFIG,
        api_key=API_KEY,
        env={"LITELLM_MASTER_KEY": API_KEY},
    )
