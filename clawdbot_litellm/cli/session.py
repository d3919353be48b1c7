"""The interactive ``chat`` session: a conversation held at the terminal.

``chat`` calls :func:`chat_session` when there is no prompt and stdin is a terminal, or when
``--save``/``--load`` ask for a conversation; with a prompt or piped input that is one turn of
the (possibly loaded) conversation, so multi-turn work is scriptable. The library's
``Conversation`` does the work; this module reads lines, runs the slash commands and prints.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import click

from ..config.resolve import ConfigWarning, ResolvedConfig, load_config
from ..errors import ClawdbotLiteLLMError
from ..request import ReasoningEffort, RequestWarning
from .chat import echo_answer, read_prompt, report
from .output import warnings_as_lines

if TYPE_CHECKING:
    from ..conversation import Conversation

PROMPT = "> "
CONTINUATION = "... "
HELP = """\
Commands:
  /model REF     switch model (the history is kept)
  /system TEXT   set the system prompt (/system alone clears it)
  /reset         forget the conversation
  /save FILE     write the conversation to FILE (resume with chat --load FILE)
  /usage         tokens and cost so far
  /help          this list
  /exit          leave (or Ctrl-D; Ctrl-C at the prompt)
End a line with \\ to continue on the next. Ctrl-C during an answer stops it."""


def _enable_line_editing() -> None:
    """Input editing and history through the standard library's readline, where it exists."""
    with contextlib.suppress(ImportError):  # Windows, or a Python built without it
        import readline  # noqa: F401 - importing it is what turns editing on for input()


class Session:
    """Reads turns and commands until the person leaves; one failed turn never ends it."""

    def __init__(
        self,
        conversation: Conversation,
        config: ResolvedConfig,
        *,
        save: str | None = None,
        show_reasoning: bool = False,
    ) -> None:
        self.conversation = conversation
        self.config = config
        self.save_path = save
        self.show_reasoning = show_reasoning

    @property
    def ref(self) -> str:
        return str(self.config.resolve(self.conversation.model).ref)

    def run(self) -> None:
        _enable_line_editing()
        turns = len(self.conversation.turns)
        resumed = f" (resumed: {turns} earlier turns)" if turns else ""
        click.echo(f"Chatting with {self.ref}{resumed}. /help lists commands; Ctrl-D leaves.")
        while True:
            try:
                text = self.read()
            except (EOFError, KeyboardInterrupt):
                click.echo("")
                return
            if not text.strip():
                continue
            if text.startswith("/"):
                if not self.command(text):
                    return
                continue
            self.turn(text)

    @staticmethod
    def read() -> str:
        """One entry: lines ending in a backslash continue on the next."""
        lines = []
        line = input(PROMPT)
        while line.endswith("\\"):
            lines.append(line[:-1])
            line = input(CONTINUATION)
        lines.append(line)
        return "\n".join(lines)

    def turn(self, text: str) -> None:
        """Stream one answer; Ctrl-C keeps what arrived; an error is one ``Error:`` line."""
        try:
            with warnings_as_lines(RequestWarning):
                stream = self.conversation.stream(text)
            try:
                echo_answer(stream, show_reasoning=self.show_reasoning)
            except KeyboardInterrupt:
                stream.close()
                click.echo("[stopped; the part that arrived is kept, marked aborted]", err=True)
            else:
                report(stream.result, self.config)
        except KeyboardInterrupt:  # before the answer began: nothing was added
            click.echo("\n[stopped]", err=True)
            return
        except ClawdbotLiteLLMError as error:
            click.echo(f"Error: {error}", err=True)
            return
        self.autosave()

    def autosave(self) -> None:
        if self.save_path:
            try:
                self.conversation.save(self.save_path)
            except ClawdbotLiteLLMError as error:
                click.echo(f"Error: {error}", err=True)

    def command(self, text: str) -> bool:
        """Run a slash command; False ends the session."""
        name, _, arg = text.partition(" ")
        arg = arg.strip()
        conversation = self.conversation
        try:
            if name in ("/exit", "/quit"):
                return False
            if name == "/help":
                click.echo(HELP)
            elif name == "/model":
                if not arg:
                    click.echo(f"Model: {self.ref}")
                else:
                    conversation.model = str(self.config.resolve(arg).ref)
                    click.echo(f"Model: {conversation.model} (the history is kept)")
            elif name == "/system":
                conversation.system = arg or None
                click.echo("System prompt set." if arg else "System prompt cleared.")
            elif name == "/reset":
                conversation.reset()
                click.echo("The conversation is forgotten.")
            elif name == "/save":
                if not arg:
                    raise click.UsageError("/save needs a file name: /save FILE")
                path = conversation.save(arg)
                click.echo(f"Saved to {path} (resume with: clawdbot-litellm chat --load {path})")
            elif name == "/usage":
                used = conversation.usage
                click.echo(
                    f"{len(conversation.turns)} turns: {used.prompt_tokens} prompt + "
                    f"{used.completion_tokens} completion tokens, cost ${conversation.cost:.6f}"
                )
            else:
                raise click.UsageError(f"unknown command {name}; /help lists them")
        except (ClawdbotLiteLLMError, click.UsageError) as error:
            message = error.format_message() if isinstance(error, click.UsageError) else error
            click.echo(f"Error: {message}", err=True)
        return True


def chat_session(
    config_path: str | None,
    *,
    prompt: str | None,
    model: str | None = None,
    system: str | None = None,
    max_tokens: int | None = None,
    reasoning_effort: ReasoningEffort | None = None,
    images: Sequence[str] = (),
    show_reasoning: bool = False,
    save: str | None = None,
    load: str | None = None,
    extra: Mapping[str, Any] | None = None,
    tools: Sequence[Mapping[str, Any]] = (),
    response_format: Mapping[str, Any] | None = None,
) -> None:
    """``chat`` as a conversation: interactive on a terminal without a prompt, else one turn.
    ``--load`` without ``--save`` keeps writing to the loaded file. ``-o``, ``--tools`` and
    ``--schema`` become defaults of every turn."""
    from ..client import Client
    from ..conversation import Conversation

    interactive = prompt is None and sys.stdin.isatty()
    text = None if interactive else read_prompt(prompt)
    with warnings_as_lines(ConfigWarning):
        config = load_config(config_path)
    options: dict[str, Any] = {
        "max_tokens": max_tokens,
        "reasoning_effort": reasoning_effort,
        "extra": dict(extra) if extra else None,
        "tools": list(tools) or None,
        "response_format": response_format,
    }
    with Client(config) as client:
        if load:
            conversation = Conversation.load(load, client)
            conversation.model = model or conversation.model
            conversation.system = system or conversation.system
            conversation.options.update({k: v for k, v in options.items() if v is not None})
        else:
            defaults = {k: v for k, v in options.items() if v is not None}
            conversation = client.conversation(model=model, system=system, **defaults)
        session = Session(conversation, config, save=save or load, show_reasoning=show_reasoning)
        if text is None:
            session.run()
            return
        with warnings_as_lines(RequestWarning):
            stream = conversation.stream(text, images=tuple(images))
        echo_answer(stream, show_reasoning=show_reasoning)
        report(stream.result, config)
        session.autosave()
    sys.stdout.flush()


def run_session(config: ResolvedConfig) -> None:
    """An interactive session on a config already loaded (``demo --keep``)."""
    from ..client import Client

    with Client(config) as client:
        Session(client.conversation(), config).run()
