"""Cassettes recorded from the real LiteLLM proxy: scrubbed, readable, matched on what we send.

How a test uses them (fixtures live in the root ``tests/conftest.py``)::

    def test_chat(proxy_endpoint: ProxyEndpoint) -> None:
        client = openai.OpenAI(base_url=proxy_endpoint.v1, api_key=proxy_endpoint.api_key,
                               max_retries=0)
        ...

Asking for ``proxy_endpoint`` turns the test into a cassette test; its cassette is
``cassettes/<module>/<test>.json``, where ``<module>`` is the test file's path under ``tests/``
without the ``test_`` prefix (``tests/test_client.py`` -> ``cassettes/client/``), or the module's
``CASSETTE_DIR`` string when it sets one. A module that sets ``TRIM_MODEL_INFO = True`` records
``/model/info`` answers trimmed to the fields the code reads (see :func:`trim_model_info`).
Three modes:

- ``pytest`` (replay, the default): record mode ``none``; ``proxy_endpoint`` is the placeholder
  ``http://127.0.0.1:4000`` and the test key; a request the cassette does not hold, or a recorded
  request the test no longer sends, fails the test. No socket may be opened.
- ``pytest --record-cassettes`` (re-record; needs ``CLAWDBOT_LITELLM_PROXY``): the real proxy is
  started, each cassette is deleted and recorded afresh (record mode ``all``), then checked for
  secrets. Clients under test must use ``max_retries=0`` so a 429 or 500 is one interaction
  (an SDK retry under a cassette raises ``ClientRetriedError``, in replay too).
- ``pytest --live``: cassette tests talk to the real proxy with VCR off, and ``live``-marked
  tests run too.

Why the format looks as it does: request and response headers are kept only when they are in
an allow-list (content type, LiteLLM's model group and version, retry hints), so keys, cookies
and per-run ids never reach a file; bodies are stored as parsed JSON (SSE as a list of events)
so a reviewer can read them; ``chatcmpl-*`` ids and ``created`` stamps are normalised so a
re-recording only shows real changes; requests match on method, path, query and the parsed JSON
body, never host or port, so any base URL replays and a mapping change fails the replay.
"""

from __future__ import annotations

import contextlib
import difflib
import ipaddress
import json
import re
import socket
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import vcr  # type: ignore[import-untyped]
from proxy.server import DEFAULT_CONFIG, read_master_key

from clawdbot_litellm.discovery import PRICE_FIELDS, DiscoveredModel, _merge_info

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTS_DIR = REPO_ROOT / "tests"
CASSETTES_DIR = REPO_ROOT / "cassettes"
PLACEHOLDER_BASE_URL = "http://127.0.0.1:4000"
TEST_API_KEY = read_master_key(DEFAULT_CONFIG)
SERIALIZER = "readable-json"
MATCH_ON = ("method", "path", "query", "json_body")
RECORD_HINT = (
    "re-record with `CLAWDBOT_LITELLM_PROXY=/path/to/litellm pytest --record-cassettes <tests>`"
)

# Never written to a cassette: credentials, and values that change on every run.
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "api-key", "x-api-key", "cookie", "set-cookie"}
)
VARYING_HEADERS = frozenset(
    {
        "date",
        "x-request-id",
        "x-litellm-call-id",
        "x-litellm-response-duration-ms",
        "content-length",
    }
)
VARYING_HEADER_PREFIXES = ("x-litellm-key-", "x-stainless-")
RETRY_HEADER = "x-stainless-retry-count"  # the OpenAI SDK counts its attempts here
# Everything not listed here is dropped as noise; the secret and varying lists document intent
# and are checked by assert_no_secrets.
KEPT_REQUEST_HEADERS = frozenset({"content-type", "accept"})
KEPT_RESPONSE_HEADERS = frozenset(
    {
        "content-type",
        "retry-after",
        "retry-after-ms",
        "x-should-retry",
        "x-litellm-model-group",
        "x-litellm-model-name",
        "x-litellm-version",
        "x-litellm-response-cost",
        "x-litellm-attempted-retries",
        "x-litellm-attempted-fallbacks",
        # issue 14: the proxy's account of an answer (ProxyInfo); stable across runs.
        "x-litellm-model-id",
        "x-litellm-response-cost-input",
        "x-litellm-response-cost-output",
        "x-litellm-response-cost-cache-read",
        "x-litellm-response-cost-cache-creation",
        "x-litellm-response-cost-reasoning",
    }
)
# Headers whose value changes on every run but whose presence the adapter reads (ProxyInfo):
# kept with a fixed value, so a cassette shows them and a re-recording shows no churn. The key's
# spend and budget are kept as sent (no database: the spend is this call's cost, the budget None).
NORMALISED_RESPONSE_HEADERS = {
    "x-litellm-call-id": "00000000-0000-4000-8000-000000000014",
    "x-litellm-response-duration-ms": "12.5",
    "x-litellm-overhead-duration-ms": "1.5",
    "x-litellm-key-spend": None,  # None: keep the value as sent
    "x-litellm-key-max-budget": None,
}
NORMALISED_CREATED = 1_700_000_000
_CHATCMPL = re.compile(r"^chatcmpl-")


class Mode(Enum):
    """How cassette tests reach the proxy in this run."""

    REPLAY = "replay"
    RECORD = "record"
    LIVE = "live"


class ProxyEndpoint(NamedTuple):
    """Where a cassette test sends requests: ``(base_url, api_key)``; base_url has no ``/v1``."""

    base_url: str
    api_key: str

    @property
    def v1(self) -> str:
        """The OpenAI client's ``base_url`` for this proxy."""
        return f"{self.base_url}/v1"


REPLAY_ENDPOINT = ProxyEndpoint(PLACEHOLDER_BASE_URL, TEST_API_KEY)


# --- scrubbing (vcr before_record hooks) ---------------------------------------------------------


def _keep_header(name: str, kept: frozenset[str]) -> bool:
    lower = name.lower()
    if lower in SECRET_HEADERS or lower in VARYING_HEADERS:
        return False
    if lower.startswith(VARYING_HEADER_PREFIXES):
        return False
    return lower in kept


class ClientRetriedError(AssertionError):
    """An OpenAI client retried under a cassette: recordings must hold exactly one attempt."""


def scrub_request(request: Any) -> Any:
    """Drop every request header not allow-listed and point the URI at the placeholder host.

    vcr hands this hook a copy; it also runs on every request before matching (harmless, matching
    ignores headers and host), which is where an SDK retry is caught: a cassette recorded with
    retries would hide the first error and replay differently.
    """
    retry = next(
        (value for name, value in request.headers.items() if name.lower() == RETRY_HEADER), "0"
    )
    if retry != "0":
        raise ClientRetriedError(
            f"the client retried {request.method} {urlsplit(request.uri).path} (attempt "
            f"{int(retry) + 1}); build OpenAI clients in cassette tests with max_retries=0"
        )
    request.headers = {
        name: value
        for name, value in request.headers.items()
        if _keep_header(name, KEPT_REQUEST_HEADERS)
    }
    parts = urlsplit(request.uri)
    placeholder = urlsplit(PLACEHOLDER_BASE_URL)
    request.uri = urlunsplit((placeholder.scheme, placeholder.netloc, *parts[2:]))
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """Drop every response header not allow-listed (keys, cookies); fix run-varying values."""
    headers = {}
    for name, values in response.get("headers", {}).items():
        lower = name.lower()
        if lower in NORMALISED_RESPONSE_HEADERS:
            fixed = NORMALISED_RESPONSE_HEADERS[lower]
            headers[name] = values if fixed is None else [fixed]
        elif _keep_header(name, KEPT_RESPONSE_HEADERS):
            headers[name] = values
    response["headers"] = headers
    return response


# --- matching ------------------------------------------------------------------------------------


def _parsed_body(body: Any) -> Any:
    if body is None:
        return None
    if isinstance(body, str):
        body = body.encode("utf-8")
    if body == b"":
        return None
    try:
        return json.loads(body)
    except (TypeError, ValueError):
        return body


def json_body(r1: Any, r2: Any) -> None:
    """vcr matcher: bodies equal as parsed JSON (key order and spacing ignored), else as bytes."""
    left, right = _parsed_body(r1.body), _parsed_body(r2.body)
    if left == right:
        return
    diff = "\n".join(
        difflib.unified_diff(
            _pretty(right).splitlines(),
            _pretty(left).splitlines(),
            "recorded body",
            "sent body",
            lineterm="",
        )
    )
    raise AssertionError(f"request bodies differ:\n{diff}")


def _pretty(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


# --- readable serializer -------------------------------------------------------------------------


def _is_json_container(text: str) -> Any:
    """The parsed value when text is a JSON object or array, else None."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict | list) else None


def sse_to_events(text: str) -> list[dict[str, Any]] | None:
    """SSE text as ``[{"data": <json>} | {"text": "<raw event>"}]``, or None if not lossless."""
    if "\r" in text or not text.endswith("\n\n"):
        return None
    events: list[dict[str, Any]] = []
    for block in text[:-2].split("\n\n"):
        if block.startswith("data: ") and "\n" not in block:
            value = _is_json_container(block[len("data: ") :])
            if value is not None:
                events.append({"data": value})
                continue
        events.append({"text": block})
    return events


def events_to_sse(events: Iterable[dict[str, Any]]) -> str:
    """The inverse of :func:`sse_to_events` (JSON re-encoded compactly, as LiteLLM sends it)."""
    blocks = []
    for event in events:
        if "data" in event:
            blocks.append("data: " + json.dumps(event["data"], separators=(",", ":")))
        else:
            blocks.append(event["text"])
    return "".join(block + "\n\n" for block in blocks)


def _content_type(headers: dict[str, Any]) -> str:
    for name, values in headers.items():
        if name.lower() == "content-type":
            value = values[0] if isinstance(values, list) else values
            return str(value).lower()
    return ""


def encode_body(text: str | None, content_type: str) -> dict[str, Any]:
    """A body string as the most readable lossless form: ``json``, ``sse`` or ``string``."""
    if text is None or text == "":
        return {"string": text}
    if content_type.startswith("text/event-stream"):
        events = sse_to_events(text)
        if events is not None:
            return {"sse": events}
    try:
        return {"json": json.loads(text)}
    except ValueError:
        return {"string": text}


def decode_body(body: Any) -> str | None:
    """The inverse of :func:`encode_body`; accepts plain vcr ``{"string": ...}`` bodies too."""
    if not isinstance(body, dict):
        return body if body is None else str(body)
    if "json" in body:
        return json.dumps(body["json"], ensure_ascii=False)
    if "sse" in body:
        return events_to_sse(body["sse"])
    value = body.get("string")
    return value if value is None else str(value)


@dataclass
class _Normaliser:
    """Gives each ``chatcmpl-*`` id of one cassette a stable name and pins ``created``."""

    ids: dict[str, str] = field(default_factory=dict)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(item) for item in value]
        if not isinstance(value, dict):
            return value
        result = {key: self(item) for key, item in value.items()}
        ident = result.get("id")
        if isinstance(ident, str) and _CHATCMPL.match(ident):
            result["id"] = self.ids.setdefault(ident, f"chatcmpl-recorded-{len(self.ids) + 1}")
            if isinstance(result.get("created"), int):
                result["created"] = NORMALISED_CREATED
        return result


def _compact_headers(headers: dict[str, Any]) -> dict[str, Any]:
    """``{"a": ["x"]}`` -> ``{"a": "x"}``; repeated headers stay lists."""
    return {
        name: values[0] if isinstance(values, list) and len(values) == 1 else values
        for name, values in headers.items()
    }


def _expand_headers(headers: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        name: values if isinstance(values, list) else [values] for name, values in headers.items()
    }


# --- trimming /model/info (opt-in per test module: TRIM_MODEL_INFO = True) ----------------------

# The model_info fields clawdbot_litellm reads (discovery.py); LiteLLM 1.108.7 sends about 190
# per model, nearly all null, so the test proxy's 20 models make /model/info about 230 KB.
MODEL_INFO_KEPT = (
    "id",
    "max_input_tokens",
    "max_output_tokens",
    "max_tokens",
    "supports_reasoning",
    "supports_vision",
    *PRICE_FIELDS.values(),
)


def _is_model_info(uri: str) -> bool:
    return urlsplit(uri).path.rstrip("/").endswith("/model/info")


def trim_model_info(body: Any) -> tuple[Any, str | None]:
    """``(body, note)``: a ``/model/info`` answer keeping, per row, ``model_name`` and the
    ``model_info`` fields in :data:`MODEL_INFO_KEPT` (values as the proxy sent them); the note
    says what was dropped. ``(body, None)`` when the body is not that shape.

    Honest by construction: discovery must read the trimmed answer exactly as the full one,
    else this raises (add the field it now reads to ``MODEL_INFO_KEPT``), so a replay gives the
    code what the real proxy sent for every field the code reads.
    """
    rows = body.get("data") if isinstance(body, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        return body, None
    trimmed_rows = []
    dropped: set[str] = set()
    for row in rows:
        details = row.get("model_info")
        kept = {k: row[k] for k in ("model_name",) if k in row}
        if isinstance(details, dict):
            kept["model_info"] = {k: details[k] for k in MODEL_INFO_KEPT if k in details}
            dropped |= {f"model_info.{k}" for k in details if k not in MODEL_INFO_KEPT}
        dropped |= {k for k in row if k not in ("model_name", "model_info")}
        trimmed_rows.append(kept)
    trimmed = {**body, "data": trimmed_rows}
    full_reading: dict[str, DiscoveredModel] = {}
    trimmed_reading: dict[str, DiscoveredModel] = {}
    _merge_info(full_reading, body)
    _merge_info(trimmed_reading, trimmed)
    if full_reading != trimmed_reading:
        changed = sorted(
            name
            for name in full_reading.keys() | trimmed_reading.keys()
            if full_reading.get(name) != trimmed_reading.get(name)
        )
        raise AssertionError(
            f"trimming /model/info changes what discovery reads for {', '.join(changed)}; add "
            "the model_info field it reads to MODEL_INFO_KEPT in tests/vcr_support.py"
        )
    tops = sorted(k for k in dropped if "." not in k)
    inner = len([k for k in dropped if k.startswith("model_info.")])
    note = (
        "trimmed by tests/vcr_support.py (TRIM_MODEL_INFO): each row keeps model_name and the "
        f"model_info fields clawdbot_litellm reads ({', '.join(MODEL_INFO_KEPT)}), as the proxy "
        f"sent them; dropped {inner} other model_info field(s)"
        + (f" and {', '.join(tops)}" if tops else "")
    )
    return trimmed, note


class ReadableJSONSerializer:
    """vcr serializer: pretty JSON with parsed bodies, normalised ids, one object per cassette.

    With ``trim_model_info`` it stores ``/model/info`` answers through :func:`trim_model_info`,
    the note beside the body (``body.trimmed``); replay sends the trimmed JSON.
    """

    def __init__(self, trim_model_info: bool = False) -> None:
        self.trim_model_info = trim_model_info

    def serialize(self, cassette: dict[str, Any]) -> str:
        normalise = _Normaliser()
        for interaction in cassette.get("interactions", []):
            request, response = interaction["request"], interaction["response"]
            headers = request.get("headers", {})
            request["body"] = encode_body(request.get("body"), _content_type(headers))
            request["headers"] = _compact_headers(headers)
            headers = response.get("headers", {})
            encoded = encode_body(response.get("body", {}).get("string"), _content_type(headers))
            response["headers"] = _compact_headers(headers)
            response["body"] = {key: normalise(value) for key, value in encoded.items()}
            if self.trim_model_info and "json" in encoded and _is_model_info(request["uri"]):
                trimmed, note = trim_model_info(response["body"]["json"])
                if note is not None:
                    response["body"] = {"trimmed": note, "json": trimmed}
        return json.dumps(cassette, indent=2, ensure_ascii=False) + "\n"

    def deserialize(self, text: str) -> dict[str, Any]:
        cassette: dict[str, Any] = json.loads(text)
        for interaction in cassette.get("interactions", []):
            request, response = interaction["request"], interaction["response"]
            request["body"] = decode_body(request.get("body"))
            request["headers"] = _expand_headers(request.get("headers", {}))
            response["headers"] = _expand_headers(response.get("headers", {}))
            response["body"] = {"string": decode_body(response.get("body"))}
        return cassette


def make_vcr(record_mode: str = "none", *, trim_model_info: bool = False) -> Any:
    """A VCR configured with this project's scrubbing, serializer and matchers."""
    recorder = vcr.VCR(
        serializer=SERIALIZER,
        record_mode=record_mode,
        match_on=MATCH_ON,
        before_record_request=scrub_request,
        before_record_response=scrub_response,
        decode_compressed_response=True,
    )
    recorder.register_serializer(SERIALIZER, ReadableJSONSerializer(trim_model_info))
    recorder.register_matcher("json_body", json_body)
    return recorder


def cassette_path(test_file: Path, test_name: str, cassette_dir: str | None = None) -> Path:
    """``cassettes/<module or CASSETTE_DIR>/<test name>.json`` for one test."""
    if cassette_dir is None:
        relative = Path(test_file).resolve().relative_to(TESTS_DIR).with_suffix("")
        stem = relative.name.removeprefix("test_")
        cassette_dir = str(relative.with_name(stem))
    safe_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name).strip("_")
    return CASSETTES_DIR / cassette_dir / f"{safe_name}.json"


@contextlib.contextmanager
def recording(path: Path, mode: Mode, *, trim_model_info: bool = False) -> Iterator[Any]:
    """Activate the cassette at ``path`` for ``mode``; yields the vcr Cassette, or None when live.

    ``trim_model_info`` records ``/model/info`` answers trimmed (:func:`trim_model_info`).

    On exit in replay mode it raises AssertionError when a request found no recording or a
    recording was not replayed (both mean the request mapping changed); in record mode it
    checks the new file for secrets.
    """
    if mode is Mode.LIVE:
        yield None
        return
    if mode is Mode.REPLAY and not path.is_file():
        raise AssertionError(
            f"cassette {path.relative_to(REPO_ROOT)} does not exist; {RECORD_HINT}"
        )
    if mode is Mode.RECORD:
        path.unlink(missing_ok=True)  # vcr keeps stale interactions otherwise
    recorder = make_vcr("all" if mode is Mode.RECORD else "none", trim_model_info=trim_model_info)
    unmatched: list[str] = []
    with recorder.use_cassette(str(path)) as cassette:
        _watch_unmatched(cassette, unmatched)
        yield cassette
    if mode is Mode.RECORD:
        assert_no_secrets(path)
        return
    problems = list(unmatched)
    if not cassette.all_played:
        unplayed = [
            f"{request.method} {urlsplit(request.uri).path}"
            for index, request in enumerate(cassette.requests)
            if cassette.play_counts[index] == 0
        ]
        problems.append("recorded but never requested: " + ", ".join(unplayed))
    if problems:
        detail = "\n".join(problems)
        raise AssertionError(
            f"replay of {path.relative_to(REPO_ROOT)} failed:\n{detail}\n"
            f"(if the new request is intended, {RECORD_HINT})"
        )


def _watch_unmatched(cassette: Any, unmatched: list[str]) -> None:
    """Remember requests the cassette could not answer; the SDK hides the vcr error in a retry."""
    from vcr.errors import CannotOverwriteExistingCassetteException  # type: ignore[import-untyped]

    original: Callable[[Any], bool] = cassette.can_play_response_for

    def can_play_response_for(request: Any) -> bool:
        found = original(request)
        if not found and cassette.write_protected:
            message = CannotOverwriteExistingCassetteException._get_message(cassette, request)
            unmatched.append(str(message))
        return found

    cassette.can_play_response_for = can_play_response_for


# --- secrets -------------------------------------------------------------------------------------

_SECRET_PATTERNS = (
    re.compile(r"Bearer\s+\S", re.IGNORECASE),
    re.compile(r"\bsk-[A-Za-z0-9_-]{3,}"),
)


def find_secrets(text: str, secrets: Iterable[str] = ()) -> list[str]:
    """Descriptions of everything in ``text`` that looks like a credential."""
    found = [
        "the test proxy key" if secret == TEST_API_KEY else f"a given secret ({len(secret)} chars)"
        for secret in {TEST_API_KEY, *secrets}
        if secret and secret in text
    ]
    found += [f"/{pattern.pattern}/" for pattern in _SECRET_PATTERNS if pattern.search(text)]
    try:
        document = json.loads(text)
    except ValueError:
        return found
    for interaction in document.get("interactions", []) if isinstance(document, dict) else []:
        for part in ("request", "response"):
            for name in interaction.get(part, {}).get("headers", {}):
                if name.lower() in SECRET_HEADERS:
                    found.append(f"{part} header {name}")
    return found


def assert_no_secrets(path: Path, secrets: Iterable[str] = ()) -> None:
    """Fail when a cassette holds the test key, a Bearer token, an ``sk-`` key or auth headers."""
    found = find_secrets(Path(path).read_text(encoding="utf-8"), secrets)
    if found:
        raise AssertionError(f"{path} holds secrets: {', '.join(found)}")


def cassette_files(root: Path = CASSETTES_DIR) -> list[Path]:
    """Every cassette file under ``root``."""
    return sorted(path for path in root.rglob("*") if path.is_file() and path.suffix == ".json")


# --- network guard -------------------------------------------------------------------------------


class NetworkBlockedError(RuntimeError):
    """A test tried to open a TCP connection it is not allowed to (not an OSError on purpose)."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@dataclass
class NetworkGuard:
    """Refuses TCP/UDP connects (loopback only when ``allow_loopback``) and remembers each attempt.

    The blocked error may be swallowed by an HTTP client's retry loop, so the fixture also fails
    the test afterwards from ``blocked``.
    """

    allow_loopback: bool = False
    blocked: list[str] = field(default_factory=list)

    def check(self, sock: socket.socket, address: Any) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return
        host = str(address[0]) if isinstance(address, tuple) else str(address)
        if self.allow_loopback and is_loopback(host):
            return
        where = "loopback" if is_loopback(host) else "internet"
        attempt = f"{where} connection to {address!r}"
        self.blocked.append(attempt)
        raise NetworkBlockedError(
            f"network access is blocked in tests: {attempt}. Use the proxy_endpoint fixture "
            "(cassette replay), mark the test `live`, or request `loopback_allowed` for a "
            "deliberate loopback connection."
        )

    @contextlib.contextmanager
    def installed(self) -> Iterator[NetworkGuard]:
        """Patch ``socket.socket.connect``/``connect_ex`` for the duration."""
        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex
        guard = self

        def connect(sock: socket.socket, address: Any) -> None:
            guard.check(sock, address)
            real_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            guard.check(sock, address)
            return real_connect_ex(sock, address)

        socket.socket.connect = connect  # type: ignore[assignment,method-assign]
        socket.socket.connect_ex = connect_ex  # type: ignore[assignment,method-assign]
        try:
            yield self
        finally:
            socket.socket.connect = real_connect  # type: ignore[method-assign]
            socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]
