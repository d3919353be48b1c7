"""Which config file to use, by the same rules as Clawdbot so both read the same file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from ..errors import ConfigFileError

CONFIG_FILENAME = "clawdbot.json"


def config_path(
    explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """An explicit path, else ``$CLAWDBOT_CONFIG_PATH``, else ``$CLAWDBOT_STATE_DIR/clawdbot.json``,
    else ``~/.clawdbot/clawdbot.json``."""
    env = os.environ if environ is None else environ
    if explicit is not None and str(explicit) != "":
        path = Path(os.path.expanduser(os.fspath(explicit)))
    elif env.get("CLAWDBOT_CONFIG_PATH", "").strip():
        path = Path(os.path.expanduser(env["CLAWDBOT_CONFIG_PATH"].strip()))
    elif env.get("CLAWDBOT_STATE_DIR", "").strip():
        path = Path(os.path.expanduser(env["CLAWDBOT_STATE_DIR"].strip())) / CONFIG_FILENAME
    else:
        path = Path(os.path.expanduser("~")) / ".clawdbot" / CONFIG_FILENAME
    if "\0" in str(path):
        # The OS cannot name such a file; every later os call would raise ValueError.
        raise ConfigFileError(f"The config path {str(path)!r} holds a NUL character; fix it")
    return path
