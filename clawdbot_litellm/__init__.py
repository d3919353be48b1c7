"""Use any LiteLLM proxy as a first-class model provider for Clawdbot-style configurations.

The public API is re-exported here. Names are imported on first use, so ``import
clawdbot_litellm`` stays cheap and never imports ``openai`` until a client is built.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import errors as _errors
from ._version import __version__

# The one list of public names: module (relative to this package) -> the names it exports.
# ``__all__`` and the lazy imports below are built from it; the TYPE_CHECKING imports repeat it for
# type checkers, and tests/test_public_api.py checks that they agree.
_MODULES: dict[str, tuple[str, ...]] = {
    "client": ("AsyncChatStream", "AsyncClient", "ChatStream", "Client"),
    "conversation": ("AsyncConversation", "Conversation", "Turn"),
    "results": ("ChatResult", "StreamEvent", "ToolCall", "Usage"),
    "config.edit": ("EditResult", "get_config_value", "set_config_value", "unset_config_value"),
    "config.locate": ("config_path",),
    "config.resolve": (
        "ConfigWarning",
        "ImplicitProvider",
        "ResolvedConfig",
        "from_environment",
        "load_config",
    ),
    "config.schema": ("ModelDefinition", "Provider", "Source"),
    "discovery": ("DiscoveredModel", "discover_models"),
    "doctor": ("Check", "run_checks"),
    "onboarding": ("OnboardingAnswers", "onboard"),
    "plugin": ("ProviderPlugin", "discover_providers", "implicit_providers"),
    "proxy_info": ("CostBreakdown", "ProxyInfo"),
    "proxy_status": ("KeyInfo",),
    "refs": ("CandidateChain", "ModelRef", "ModelTarget", "parse_ref"),
    "request": ("sampling_options",),
    "sync": ("SyncReport", "sync_document"),
    "errors": tuple(_errors.__all__),
}
_EXPORTS: dict[str, str] = {name: module for module, names in _MODULES.items() for name in names}
__all__ = sorted([*_EXPORTS, "__version__"])

if TYPE_CHECKING:
    from .client import AsyncChatStream, AsyncClient, ChatStream, Client
    from .config.edit import EditResult, get_config_value, set_config_value, unset_config_value
    from .config.locate import config_path
    from .config.resolve import (
        ConfigWarning,
        ImplicitProvider,
        ResolvedConfig,
        from_environment,
        load_config,
    )
    from .config.schema import ModelDefinition, Provider, Source
    from .conversation import AsyncConversation, Conversation, Turn
    from .discovery import DiscoveredModel, discover_models
    from .doctor import Check, run_checks
    from .errors import (
        AllModelsFailedError,
        AuthenticationError,
        BadRequestError,
        ClawdbotLiteLLMError,
        ConfigError,
        ConfigFileError,
        ConfigPathError,
        ConfigPathNotFoundError,
        ConfigSyntaxError,
        ConfigValidationError,
        ConfigWriteError,
        ContextWindowError,
        ConversationFormatError,
        IncludeError,
        InvalidModelRefError,
        InvalidOptionError,
        MissingEnvVarError,
        ModelNotServedError,
        Problem,
        ProxyError,
        ProxyLaunchError,
        ProxyServerError,
        ProxyTimeoutError,
        ProxyUnreachableError,
        RateLimitError,
        StreamInterruptedError,
        StructuredOutputError,
        ToolArgumentsError,
        ToolDefinitionError,
        ToolLoopError,
        UnknownModelError,
        UnsupportedAPIError,
        UnsupportedInputError,
    )
    from .onboarding import OnboardingAnswers, onboard
    from .plugin import ProviderPlugin, discover_providers, implicit_providers
    from .proxy_info import CostBreakdown, ProxyInfo
    from .proxy_status import KeyInfo
    from .refs import CandidateChain, ModelRef, ModelTarget, parse_ref
    from .request import sampling_options
    from .results import ChatResult, StreamEvent, ToolCall, Usage
    from .sync import SyncReport, sync_document


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
