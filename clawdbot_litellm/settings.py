"""Timeout and retry settings: the caller's, else the environment's, else the defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping

from .errors import ConfigError

ENV_TIMEOUT = "CLAWDBOT_LITELLM_TIMEOUT"
ENV_MAX_RETRIES = "CLAWDBOT_LITELLM_MAX_RETRIES"
DEFAULT_TIMEOUT = 120.0
DEFAULT_MAX_RETRIES = 2


def client_settings(
    timeout: float | None, max_retries: int | None, environ: Mapping[str, str] | None = None
) -> tuple[float, int]:
    """Timeout and retry count: the caller's, else the environment's, else the defaults."""
    env = os.environ if environ is None else environ

    def number(name: str, default: float, kind: type[float] | type[int]) -> float:
        text = env.get(name, "").strip()
        if not text:
            return default
        try:
            value = kind(text)
        except ValueError:
            raise ConfigError(
                f"{name}={text!r} is not a number; set it to a value like {kind(default)}"
            ) from None
        if value < 0:
            raise ConfigError(f"{name}={text!r} must not be negative")
        return value

    resolved_timeout = (
        timeout if timeout is not None else number(ENV_TIMEOUT, DEFAULT_TIMEOUT, float)
    )
    resolved_retries = (
        max_retries
        if max_retries is not None
        else int(number(ENV_MAX_RETRIES, DEFAULT_MAX_RETRIES, int))
    )
    return float(resolved_timeout), int(resolved_retries)


__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "ENV_MAX_RETRIES",
    "ENV_TIMEOUT",
    "client_settings",
]
