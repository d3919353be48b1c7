"""Whether any installed distribution registers a provider plugin, read as text: a check every
command can afford on start (about a millisecond), before paying for ``plugin`` discovery.

Nothing is imported and no distribution metadata is parsed: each distribution's
``entry_points.txt`` is read and searched for the ``clawdbot.providers`` group.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config.resolve import ImplicitProvider

GROUP = "clawdbot.providers"
ENV_ALLOW = "CLAWDBOT_PROVIDERS_ALLOW"
ENV_DISABLE = "CLAWDBOT_PROVIDERS_DISABLE"
OWN_TARGET = "clawdbot_litellm.plugin:litellm_provider"
_OFF = frozenset({"", "0", "false", "no", "off"})


def plugins_disabled(environ: Mapping[str, str]) -> bool:
    """``CLAWDBOT_PROVIDERS_DISABLE`` is set (any value but 0, false, no, off or empty)."""
    return environ.get(ENV_DISABLE, "").strip().lower() not in _OFF


def read_entry_points_text(dist: importlib.metadata.Distribution) -> str:
    """A distribution's ``entry_points.txt`` ("" when it has none or it cannot be read)."""
    try:
        return dist.read_text("entry_points.txt") or ""
    except Exception:
        return ""


def _registers_others(text: str, group: str) -> bool:
    """Whether an ``entry_points.txt`` registers in ``group`` anything but this package's own."""
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif (
            section == group
            and "=" in line
            and not line.startswith(("#", ";"))
            and line.partition("=")[2].replace(" ", "") != OWN_TARGET
        ):
            return True
    return False


def plugin_providers_installed(*, group: str = GROUP) -> bool:
    """Whether any distribution registers a provider other than this package's ``litellm``."""
    for dist in importlib.metadata.distributions():
        text = read_entry_points_text(dist)
        if f"[{group}]" in text and _registers_others(text, group):
            return True
    return False


def installed_implicit_providers(
    environ: Mapping[str, str] | None = None, *, group: str = GROUP
) -> dict[str, ImplicitProvider] | None:
    """The implicit providers of the installed plugins, for ``load_config(implicit=)``.

    ``None`` (nothing to pass) when no plugin but this package registers a provider, or
    ``CLAWDBOT_PROVIDERS_DISABLE`` holds them all back, found without loading any; otherwise
    ``plugin.discover_providers`` runs (broken plugins are left out; ``plugins`` lists them).
    What a plugin prints while it loads goes to stderr, so a command's ``--json`` stays JSON.
    """
    env = os.environ if environ is None else environ
    if plugins_disabled(env) or not plugin_providers_installed(group=group):
        return None
    from .plugin import discover_providers, implicit_providers

    with contextlib.redirect_stdout(sys.stderr):
        return implicit_providers(discover_providers(group=group, environ=env), env)


__all__ = [
    "ENV_ALLOW",
    "ENV_DISABLE",
    "GROUP",
    "installed_implicit_providers",
    "plugin_providers_installed",
    "plugins_disabled",
    "read_entry_points_text",
]
