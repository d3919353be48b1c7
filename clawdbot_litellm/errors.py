"""Every error this package raises on purpose.

One base class so a host can catch everything of ours in one ``except``; one subclass per kind of
problem so a caller can react to the kind. Every message is written for a person: it names the file,
path or value at fault and says what to do about it, and never contains a secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class ClawdbotLiteLLMError(Exception):
    """Base class of every error raised by clawdbot-litellm."""


# --- configuration -------------------------------------------------------------------------------


class ConfigError(ClawdbotLiteLLMError):
    """The configuration file (or an included file) cannot be used as it is."""


class ConfigFileError(ConfigError):
    """The file cannot be read: missing include, a directory, no permission, not UTF-8."""


class ConfigSyntaxError(ConfigError):
    """The file is not valid JSON5."""

    def __init__(self, file: str, line: int, column: int, detail: str) -> None:
        self.file, self.line, self.column, self.detail = file, line, column, detail
        super().__init__(
            f"{file}:{line}:{column}: invalid JSON5: {detail}. "
            "Fix the syntax at that position (JSON5 allows comments, trailing commas and "
            "unquoted keys)."
        )


class IncludeError(ConfigError):
    """An ``$include`` is cyclic, too deep, or does not name an object."""


class MissingEnvVarError(ConfigError):
    """A ``${VAR}`` reference names a variable that is unset or empty."""

    def __init__(self, var: str, config_path: str) -> None:
        self.var, self.config_path = var, config_path
        super().__init__(
            f'Missing env var "{var}" referenced at config path: {config_path}. '
            f"Export {var}, or set it in the config's env block "
            f'(env: {{ {var}: "..." }}).'
        )


@dataclass(frozen=True)
class Problem:
    """One validation problem: where it is and what is wrong."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"- {self.path}: {self.message}"


class ConfigValidationError(ConfigError):
    """The configuration parses but breaks the schema; ``problems`` lists every issue."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = "\n".join(str(p) for p in self.problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"Invalid config {source} ({count} {noun}):\n{lines}")


class ConfigPathError(ConfigError):
    """A ``config get/set/unset`` path is malformed (``a.b[c]``, ``gpt-4\\.1``)."""


class ConfigPathNotFoundError(ConfigError):
    """A ``config get/unset`` path names nothing in the config."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"Config path not found: {path}")


class ConfigWriteError(ConfigError):
    """The config file could not be written (the old file is left as it was)."""


# --- models and requests -------------------------------------------------------------------------


class InvalidOptionError(ClawdbotLiteLLMError):
    """A sampling option (temperature, top_p, ...) is unknown or its value is out of range."""


class InvalidModelRefError(ClawdbotLiteLLMError):
    """A model ref is not of the form ``provider/model`` (or an alias)."""


class UnknownModelError(ClawdbotLiteLLMError):
    """A model ref or alias matches no configured model.

    ``advice`` is the closing fix (``refs.unknown_model_advice`` words it for the ref's
    provider); without one the message says where model definitions go.
    """

    def __init__(
        self,
        ref: str,
        configured: Sequence[str],
        suggestions: Sequence[str],
        advice: str | None = None,
    ) -> None:
        self.ref = ref
        self.configured = tuple(configured)
        self.suggestions = tuple(suggestions)
        self.advice = advice or "Add the model to models.providers.<provider>.models."
        message = f"Unknown model: {ref}."
        if suggestions:
            message += f" Did you mean {', '.join(suggestions)}?"
        if configured:
            message += f" Configured models: {', '.join(configured)}."
        else:
            message += " No models are configured."
        super().__init__(f"{message} {self.advice}")


class UnsupportedAPIError(ClawdbotLiteLLMError):
    """The provider speaks an API this adapter does not send (only ``openai-completions``)."""


class UnsupportedInputError(ClawdbotLiteLLMError):
    """The request carries an input kind (an image) the model definition does not accept."""


class ContextWindowError(ClawdbotLiteLLMError):
    """The prompt plus the output limit does not fit the model's context window."""


class ToolDefinitionError(UnsupportedInputError):
    """A tool (or ``tool_choice``) cannot be turned into a valid tool definition; never sent."""


# --- answers -------------------------------------------------------------------------------------


class ToolArgumentsError(ClawdbotLiteLLMError):
    """A tool call's arguments are not a JSON object (the raw text stays on the ``ToolCall``)."""

    def __init__(self, message: str, *, call_id: str, name: str, arguments: str) -> None:
        self.call_id, self.name, self.arguments = call_id, name, arguments
        super().__init__(message)


class StructuredOutputError(ClawdbotLiteLLMError):
    """A structured-output answer is not JSON or does not match the schema; ``text`` keeps it."""

    def __init__(self, message: str, *, text: str) -> None:
        self.text = text
        super().__init__(message)


# --- talking to the proxy ------------------------------------------------------------------------


class ProxyError(ClawdbotLiteLLMError):
    """A request to the proxy failed; the ``openai`` exception is chained as ``__cause__``."""

    retryable = False


class ProxyUnreachableError(ProxyError):
    """Nothing answered at the proxy's URL."""

    retryable = True


class ProxyTimeoutError(ProxyError):
    """The proxy did not answer in time (client timeout or HTTP 408)."""

    retryable = True


class AuthenticationError(ProxyError):
    """The proxy rejected the API key (401, 403, or LiteLLM's no-database answers)."""


class ModelNotServedError(ProxyError):
    """The proxy does not serve the requested model name."""


class RateLimitError(ProxyError):
    """The proxy (or the model behind it) answered 429 after the SDK's retries."""

    retryable = True


class ProxyServerError(ProxyError):
    """The proxy answered 5xx after the SDK's retries."""

    retryable = True


class BadRequestError(ProxyError):
    """The proxy refused the request for another reason (its message is included)."""


class StreamInterruptedError(ProxyError):
    """A streamed answer broke off before the proxy said it was finished."""

    retryable = True


class ToolLoopError(ClawdbotLiteLLMError):
    """The model kept asking for tools past ``max_tool_rounds``; ``conversation`` holds the
    history so far (every call answered), so the caller can inspect it or carry on."""

    def __init__(self, message: str, *, conversation: object, rounds: int) -> None:
        self.conversation, self.rounds = conversation, rounds
        super().__init__(message)


class ConversationFormatError(ClawdbotLiteLLMError):
    """A saved conversation cannot be loaded: not JSON, an unknown version, or a broken shape."""


class ProxyLaunchError(ClawdbotLiteLLMError):
    """A local LiteLLM proxy (for ``demo`` and the live tests) could not be found or started."""


class AllModelsFailedError(ProxyError):
    """The primary model and every fallback failed."""

    def __init__(self, failures: Sequence[tuple[str, Exception]]) -> None:
        self.failures = tuple(failures)
        detail = " | ".join(f"{ref}: {error}" for ref, error in self.failures)
        super().__init__(f"All models failed ({len(self.failures)}): {detail}")


__all__ = [
    "AllModelsFailedError",
    "AuthenticationError",
    "BadRequestError",
    "ClawdbotLiteLLMError",
    "ConfigError",
    "ConfigFileError",
    "ConfigPathError",
    "ConfigPathNotFoundError",
    "ConfigSyntaxError",
    "ConfigValidationError",
    "ConfigWriteError",
    "ContextWindowError",
    "ConversationFormatError",
    "IncludeError",
    "InvalidModelRefError",
    "InvalidOptionError",
    "MissingEnvVarError",
    "ModelNotServedError",
    "Problem",
    "ProxyError",
    "ProxyLaunchError",
    "ProxyServerError",
    "ProxyTimeoutError",
    "ProxyUnreachableError",
    "RateLimitError",
    "StreamInterruptedError",
    "StructuredOutputError",
    "ToolArgumentsError",
    "ToolDefinitionError",
    "ToolLoopError",
    "UnknownModelError",
    "UnsupportedAPIError",
    "UnsupportedInputError",
]
