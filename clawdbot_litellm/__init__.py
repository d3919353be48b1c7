"""Use any LiteLLM proxy as a first-class model provider for Clawdbot-style configurations.

The public API is re-exported here. Names are imported on first use, so ``import
clawdbot_litellm`` stays cheap and never imports ``openai`` until a client is built.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import errors as _errors
from ._version import __version__ as __version__

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
    # ``X as X``: the explicit re-export mypy --strict needs (``__all__`` is built at run time).
    from .client import (
        AsyncChatStream as AsyncChatStream,
        AsyncClient as AsyncClient,
        ChatStream as ChatStream,
        Client as Client,
    )
    from .config.edit import (
        EditResult as EditResult,
        get_config_value as get_config_value,
        set_config_value as set_config_value,
        unset_config_value as unset_config_value,
    )
    from .config.locate import (
        config_path as config_path,
    )
    from .config.resolve import (
        ConfigWarning as ConfigWarning,
        ImplicitProvider as ImplicitProvider,
        ResolvedConfig as ResolvedConfig,
        from_environment as from_environment,
        load_config as load_config,
    )
    from .config.schema import (
        ModelDefinition as ModelDefinition,
        Provider as Provider,
        Source as Source,
    )
    from .conversation import (
        AsyncConversation as AsyncConversation,
        Conversation as Conversation,
        Turn as Turn,
    )
    from .discovery import (
        DiscoveredModel as DiscoveredModel,
        discover_models as discover_models,
    )
    from .doctor import (
        Check as Check,
        run_checks as run_checks,
    )
    from .errors import (
        AllModelsFailedError as AllModelsFailedError,
        AuthenticationError as AuthenticationError,
        BadRequestError as BadRequestError,
        ClawdbotLiteLLMError as ClawdbotLiteLLMError,
        ConfigError as ConfigError,
        ConfigFileError as ConfigFileError,
        ConfigPathError as ConfigPathError,
        ConfigPathNotFoundError as ConfigPathNotFoundError,
        ConfigSyntaxError as ConfigSyntaxError,
        ConfigValidationError as ConfigValidationError,
        ConfigWriteError as ConfigWriteError,
        ContextWindowError as ContextWindowError,
        ConversationFormatError as ConversationFormatError,
        IncludeError as IncludeError,
        InvalidModelRefError as InvalidModelRefError,
        InvalidOptionError as InvalidOptionError,
        MissingEnvVarError as MissingEnvVarError,
        ModelNotServedError as ModelNotServedError,
        Problem as Problem,
        ProxyError as ProxyError,
        ProxyLaunchError as ProxyLaunchError,
        ProxyServerError as ProxyServerError,
        ProxyTimeoutError as ProxyTimeoutError,
        ProxyUnreachableError as ProxyUnreachableError,
        RateLimitError as RateLimitError,
        StreamInterruptedError as StreamInterruptedError,
        StructuredOutputError as StructuredOutputError,
        ToolArgumentsError as ToolArgumentsError,
        ToolDefinitionError as ToolDefinitionError,
        ToolLoopError as ToolLoopError,
        UnknownModelError as UnknownModelError,
        UnsupportedAPIError as UnsupportedAPIError,
        UnsupportedInputError as UnsupportedInputError,
    )
    from .onboarding import (
        OnboardingAnswers as OnboardingAnswers,
        onboard as onboard,
    )
    from .plugin import (
        ProviderPlugin as ProviderPlugin,
        discover_providers as discover_providers,
        implicit_providers as implicit_providers,
    )
    from .proxy_info import (
        CostBreakdown as CostBreakdown,
        ProxyInfo as ProxyInfo,
    )
    from .proxy_status import (
        KeyInfo as KeyInfo,
    )
    from .refs import (
        CandidateChain as CandidateChain,
        ModelRef as ModelRef,
        ModelTarget as ModelTarget,
        parse_ref as parse_ref,
    )
    from .request import (
        sampling_options as sampling_options,
    )
    from .results import (
        ChatResult as ChatResult,
        StreamEvent as StreamEvent,
        ToolCall as ToolCall,
        Usage as Usage,
    )
    from .sync import (
        SyncReport as SyncReport,
        sync_document as sync_document,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
