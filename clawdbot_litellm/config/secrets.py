"""What counts as a secret in a config, and how keys and URL credentials are shown to people.

Every place that prints a key, a config value or a URL goes through these functions, so a secret
is masked the same way in reprs, messages, ``config get``, ``doctor`` and ``models list``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .load import references
from .path import Segment


def mask_secret(secret: str | None) -> str:
    """``sk-…abcd``-style preview: enough to recognise a key, too little to use it.

    A short key gets no preview at all: seven known characters of a twelve-character key
    leave too little to guess.
    """
    if not secret:
        return "(none)"
    if len(secret) < 16:
        return "****"
    return f"{secret[:3]}…{secret[-4:]}"


def display_url(url: str) -> str:
    """``url`` with any ``user:password@`` replaced: the one way a URL is shown to a person
    (reprs, warnings, messages, ``doctor``, ``models list``, ``config get``)."""
    if "@" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced "[" in the host: show nothing after the scheme
        return url.partition("://")[0] + "://***" if "://" in url else "***"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


_URL_IN_TEXT = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")


def mask_urls(text: str) -> str:
    """``text`` with every URL in it shown through ``display_url`` (for messages that quote
    another library's error, which may name the URL it was given)."""
    return _URL_IN_TEXT.sub(lambda m: display_url(m.group(0)), text) if "@" in text else text


_SECRET_SUFFIXES = ("apikey", "accesskey", "privatekey", "secretkey", "token", "secret", "password")
_SECRET_HEADER_WORDS = ("auth", "key", "token", "secret", "cookie", "password")
_SECRET_ENV_WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD")
_AUTH_SCHEMES = frozenset({"", "bearer", "basic", "token"})


def is_secret_path(segments: Sequence[Segment]) -> bool:
    """Whether a value at ``segments`` is a secret: an API key or token, an auth header, or an
    ``env`` variable whose name says KEY, TOKEN, SECRET or PASSWORD."""
    if not segments:
        return False
    name = str(segments[-1])
    parent = str(segments[-2]) if len(segments) > 1 else ""
    if parent == "headers":
        return any(word in name.lower() for word in _SECRET_HEADER_WORDS)
    if str(segments[0]) == "env" and (
        len(segments) == 2 or (len(segments) == 3 and parent == "vars")
    ):
        return any(word in name.upper() for word in _SECRET_ENV_WORDS)
    squashed = name.lower().replace("_", "").replace("-", "")
    return squashed == "key" or squashed.endswith(_SECRET_SUFFIXES)


def _only_references(text: str) -> bool:
    """``${VAR}`` (or ``Bearer ${VAR}``) names a secret without being one."""
    names = [name for name, _ in references(text)]
    if not names:
        return False
    rest = text
    for name in names:
        rest = rest.replace("${" + name + "}", "")
    return rest.strip().lower() in _AUTH_SCHEMES


def mask_secrets(data: Any, at: Sequence[Segment] = ()) -> Any:
    """A copy of ``data`` (found at ``at`` in the config) with secrets replaced by a preview."""
    if isinstance(data, dict):
        return {k: mask_secrets(v, (*at, k)) for k, v in data.items()}
    if isinstance(data, list):
        return [mask_secrets(v, (*at, i)) for i, v in enumerate(data)]
    if isinstance(data, bool) or data is None:
        return data
    if not is_secret_path(at):
        # Any URL in the config (a baseUrl, a webhook) may carry user:password@.
        return display_url(data) if isinstance(data, str) and "://" in data else data
    if isinstance(data, str):
        return data if _only_references(data) else mask_secret(data)
    return mask_secret(str(data))


__all__ = ["display_url", "is_secret_path", "mask_secret", "mask_secrets", "mask_urls"]
