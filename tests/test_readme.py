"""Every code block of README.md, executed in README order against a real LiteLLM proxy.

The proxy is ``tests/proxy/litellm_config_readme.yaml``: the README's own model names, as an
ordinary proxy serves them (``gpt-4`` with LiteLLM's real 8192-token window, ``claude-3-opus``,
and the tools section's mock models ``weather-agent`` and ``gpt-4o``).
Offline (``pytest``) the blocks run in-process and their requests replay from
``cassettes/readme/``; ``pytest --live`` runs the shell blocks through the installed
``clawdbot-litellm`` in bash against the real proxy; ``pytest --record-cassettes
tests/test_readme.py`` re-records (in-process, as offline).

RULES FOR README BLOCKS (anyone adding a README section must follow them):

1. Blocks run in README order, in one fresh HOME (``~/.clawdbot/clawdbot.json`` starts absent),
   which is also the working directory (files a block writes land there); each block may rely
   on every block above it, and on nothing else.
2. ```` ```bash ```` blocks: one command per line (a trailing ``\\`` continues it, ``#`` starts a
   comment). Only ``export NAME=VALUE`` and ``clawdbot-litellm ...`` commands; no pipes, ``&&``,
   ``$VAR`` expansion or other programs (the offline runner is not a shell). Every command must
   exit 0. A prompt gets Enter (its default), so an interactive wizard takes its defaults.
3. Placeholders: ``http://localhost:4000`` stands for the proxy's URL and ``sk-...`` for its key;
   the test puts the real ones in every block before running it.
4. ```` ```python ```` blocks run as written (a fresh namespace each, in-process) and must not
   raise; a comment after a ``print(...)`` is what it prints (the test checks the output has
   it). ```` ```json5 ```` blocks are Clawdbot configs: each must load and validate.
5. A block that cannot run in a test (``pip install``, running pytest) is preceded, on the line
   right above its fence, by ``<!-- readme-test: skip (why) -->`` and listed in ``SKIPPED``
   below. Any other language, or a skip marker not listed here, fails the test. A ```` ```yaml ````
   block is a LiteLLM proxy config for the reader's own proxy: skipped, and each of its
   ``model_list`` entries must be, as written, one of litellm_config_readme.yaml's.
6. A block that sends a request changes the cassette: re-record with
   ``CLAWDBOT_LITELLM_PROXY=... pytest --record-cassettes tests/test_readme.py`` and commit
   ``cassettes/readme/``. A model a block names must be served by litellm_config_readme.yaml.
"""

from __future__ import annotations

import contextlib
import io
import os
import pty
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from cli.cli_support import run
from vcr_support import REPO_ROOT, Mode, ProxyEndpoint

from clawdbot_litellm import load_config

README = REPO_ROOT / "README.md"
README_PROXY_CONFIG = REPO_ROOT / "tests" / "proxy" / "litellm_config_readme.yaml"
CASSETTE_DIR = "readme"
COMMAND = "clawdbot-litellm"
URL_PLACEHOLDER = "http://localhost:4000"
KEY_PLACEHOLDER = "sk-..."
SKIP_MARKER = re.compile(r"<!--\s*readme-test:\s*skip\s*\((?P<why>[^)]+)\)\s*-->")
ENTER = "\n" * 40  # every prompt takes its default

# The blocks that cannot run here, by their first line; the README marks each one (rule 5).
SKIPPED = {
    "pip install -e '.[proxy]' && clawdbot-litellm demo   # see it work: a real LiteLLM proxy "
    "with mock models, your config untouched",
    "pip install -e '.[dev]'",
    "clawdbot-litellm onboard --non-interactive --litellm-api-key - < ~/.secrets/litellm-key",
    "model_list:",  # the Tools section's mock models, checked against the README proxy's config
}


@dataclass(frozen=True)
class Block:
    line: int  # 1-based line of the opening fence
    language: str
    text: str
    skip: str | None  # the marker's reason

    @property
    def first_line(self) -> str:
        return self.text.splitlines()[0] if self.text else ""

    def __str__(self) -> str:
        return f"README.md:{self.line} ({self.language or 'no language'})"


def readme_blocks(text: str) -> list[Block]:
    """Every fenced block, with the skip marker on the line above its fence (if any)."""
    lines = text.splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        fence = re.match(r"^(```+)\s*(\S*)\s*$", lines[index])
        if fence is None:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].strip() != fence.group(1):
            end += 1
        marker = SKIP_MARKER.search(lines[index - 1]) if index > 0 else None
        blocks.append(
            Block(
                index + 1,
                fence.group(2).lower(),
                "\n".join(lines[index + 1 : end]) + "\n",
                marker.group("why").strip() if marker else None,
            )
        )
        index = end + 1
    return blocks


def shell_commands(text: str) -> list[list[str]]:
    """A bash block as argument lists (continuations joined, comments dropped)."""
    joined = re.sub(r"\\\n", " ", text)
    commands = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            commands.append(words)
    return commands


def printed_comments(block: Block) -> list[str]:
    """What a Python block says it prints: the comment after a ``print(...)`` line."""
    if block.language != "python":
        return []
    return [
        match.group(1).strip()
        for match in re.finditer(r"^\s*print\(.*\)\s+#\s*(.+)$", block.text, re.MULTILINE)
    ]


# --- running the blocks --------------------------------------------------------------------------


@dataclass
class Reader:
    """One person following the README: a HOME, an environment, and a way to run blocks."""

    home: Path
    endpoint: ProxyEndpoint
    monkeypatch: pytest.MonkeyPatch
    live: bool
    env: dict[str, str]

    def substitute(self, text: str) -> str:
        return text.replace(URL_PLACEHOLDER, self.endpoint.base_url).replace(
            KEY_PLACEHOLDER, self.endpoint.api_key
        )

    def apply_env(self) -> None:
        """Make this process's environment the reader's (for in-process commands and Python)."""
        for name in list(os.environ):
            if name.startswith(("CLAWDBOT_", "LITELLM_")) and name not in self.env:
                self.monkeypatch.delenv(name)
        for name, value in self.env.items():
            if os.environ.get(name) != value:
                self.monkeypatch.setenv(name, value)

    def run(self, block: Block) -> str:
        text = self.substitute(block.text)
        if block.language in ("bash", "sh", "shell"):
            return self.run_shell_live(block, text) if self.live else self.run_shell(block, text)
        if block.language == "python":
            return self.run_python(block, text)
        if block.language in ("json5", "json"):
            return self.load_config_block(block, text)
        raise AssertionError(
            f"{block}: the README test cannot run this language; use bash, python or json5, or "
            "mark the block with <!-- readme-test: skip (why) --> and list it in SKIPPED"
        )

    def run_shell(self, block: Block, text: str) -> str:
        output = []
        for words in shell_commands(text):
            if words[0] == "export" and len(words) == 2 and "=" in words[1]:
                name, _, value = words[1].partition("=")
                self.env[name] = value
                continue
            if words[0] != COMMAND:
                raise AssertionError(
                    f"{block}: {shlex.join(words)!r} is neither `export NAME=VALUE` nor "
                    f"`{COMMAND} ...` (see the rules at the top of tests/test_readme.py)"
                )
            self.apply_env()
            # A person types at a terminal: CliRunner's stdin stands in for it (onboard refuses
            # to prompt a stdin that is not a terminal).
            self.monkeypatch.setattr("clawdbot_litellm.cli.onboard.stdin_is_terminal", lambda: True)
            result = run(words[1:], input=ENTER)
            output.append(f"$ {shlex.join(words)}\n{result.output}")
            assert result.exit_code == 0, (
                f"{block}: `{shlex.join(words)}` exited {result.exit_code}:\n{result.output}"
                + (f"\n{result.exception!r}" if result.exception else "")
            )
        return "".join(output)

    def run_shell_live(self, block: Block, text: str) -> str:
        """The block itself, in bash, through the installed command; its exports carry on."""
        for words in shell_commands(text):
            assert words[0] in ("export", COMMAND), f"{block}: {shlex.join(words)!r} (rule 2)"
        env_file = self.home / ".readme-env"
        script = f'set -euo pipefail\n{text}\nenv -0 > "{env_file}"\n'
        bin_dir = str(Path(sys.executable).parent)
        environ = {
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "LANG": "C.UTF-8",
            **self.env,
        }
        # stdin is a terminal, as for a person; Enter is typed for every prompt.
        terminal, typed_at = pty.openpty()
        try:
            process = subprocess.Popen(
                ["bash", "-c", script],
                stdin=typed_at,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=environ,
                cwd=self.home,
                start_new_session=True,
            )
            os.close(typed_at)
            os.write(terminal, ENTER.encode())
            stdout, stderr = process.communicate(timeout=120)
        finally:
            os.close(terminal)
        assert process.returncode == 0, f"{block} exited {process.returncode}:\n{stdout}\n{stderr}"
        for entry in env_file.read_text().split("\0"):
            name, sep, value = entry.partition("=")
            if sep and (name.startswith(("CLAWDBOT_", "LITELLM_")) or name == "HOME"):
                self.env[name] = value
        return stdout + stderr

    def run_python(self, block: Block, text: str) -> str:
        self.apply_env()
        out = io.StringIO()
        code = compile(text, f"README.md:{block.line}", "exec")
        with contextlib.redirect_stdout(out):
            exec(code, {"__name__": "__readme__"})  # noqa: S102 - the README's own example
        return out.getvalue()

    def load_config_block(self, block: Block, text: str) -> str:
        path = self.home / f"readme-block-{block.line}.json5"
        path.write_text(text)
        self.apply_env()
        config = load_config(path)
        assert config.refs(), f"{block}: the config defines no model"
        return ", ".join(config.refs())


@pytest.fixture
def reader(
    readme_proxy_endpoint: ProxyEndpoint,
    cassette_mode: Mode,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Reader:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.chdir(home)  # rule 1: files a block writes (conv.json, talk.json) land in HOME
    return Reader(
        home, readme_proxy_endpoint, monkeypatch, cassette_mode is Mode.LIVE, {"HOME": str(home)}
    )


def test_readme_blocks_run_in_order(reader: Reader) -> None:
    """A person following the README from the top never hits an error it did not mention."""
    ran = []
    for block in readme_blocks(README.read_text(encoding="utf-8")):
        if block.skip is not None:
            continue
        output = reader.run(block)
        ran.append(block.language)
        if block.language == "python" and "stream(" in block.text:
            assert "claude-3-opus mock" in output, f"{block} printed {output!r}"
        for expected in printed_comments(block):
            assert expected in output, f"{block}: {expected!r} not printed; it printed {output!r}"
    assert ran.count("bash") >= 3
    assert ran.count("python") >= 3
    assert "json5" in ran
    config = load_config()
    assert config.primary == "litellm/claude-3-opus"
    assert str(config.resolve("opus").ref) == "litellm/claude-3-opus"


def test_readme_skipped_blocks_are_marked_and_listed() -> None:
    """No block is left out silently: each skip is marked in the README and listed here."""
    blocks = readme_blocks(README.read_text(encoding="utf-8"))
    marked = {block.first_line: block.skip for block in blocks if block.skip is not None}
    assert set(marked) == SKIPPED
    assert all(why and why.strip() for why in marked.values())
    runnable = {"bash", "sh", "shell", "python", "json5", "json"}
    unknown = [str(b) for b in blocks if b.skip is None and b.language not in runnable]
    assert unknown == []


def test_readme_shell_blocks_use_only_the_command_and_exports() -> None:
    """Rule 2, checked before anything runs, so a new block fails with the rule, not a crash."""
    for block in readme_blocks(README.read_text(encoding="utf-8")):
        if block.skip is None and block.language in ("bash", "sh", "shell"):
            for words in shell_commands(block.text):
                assert words[0] in ("export", COMMAND), f"{block}: {shlex.join(words)!r}"


def test_readme_proxy_configs_are_the_tested_ones() -> None:
    """A LiteLLM config the README shows (skipped: it is for the reader's proxy) holds only
    model entries the README's test proxy serves as written, so the examples using them were run."""
    served = yaml.safe_load(README_PROXY_CONFIG.read_text(encoding="utf-8"))["model_list"]
    shown = [b for b in readme_blocks(README.read_text(encoding="utf-8")) if b.language == "yaml"]
    assert shown, "README.md shows no LiteLLM config (the Tools section's mock models)"
    for block in shown:
        assert block.skip is not None, f"{block}: a yaml block is shown, never run (rule 5)"
        entries = yaml.safe_load(block.text)["model_list"]
        assert entries, f"{block}: no model_list entries"
        for entry in entries:
            name = entry["model_name"]
            assert entry in served, f"{block}: {name!r} differs from {README_PROXY_CONFIG.name}'s"
