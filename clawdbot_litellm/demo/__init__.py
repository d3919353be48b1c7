"""The offline demo's parts: a LiteLLM proxy config with mock models, and the launcher that runs
a real LiteLLM proxy from it (the test suite's live proxy uses the same launcher)."""

from __future__ import annotations

from importlib.resources import files

DEMO_PROXY_CONFIG = "litellm_demo.yaml"
MASTER_KEY_ENV = "LITELLM_MASTER_KEY"


def demo_proxy_config() -> str:
    """The packaged proxy YAML (read as text, so it also works from a zip or wheel)."""
    return files(__name__).joinpath(DEMO_PROXY_CONFIG).read_text(encoding="utf-8")


__all__ = ["DEMO_PROXY_CONFIG", "MASTER_KEY_ENV", "demo_proxy_config"]
