"""Use any LiteLLM proxy as a first-class model provider for Clawdbot-style configurations.

The public API is re-exported here. Names are imported on first use, so ``import
clawdbot_litellm`` stays cheap and never imports ``openai`` until a client is built.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import errors as _errors
from ._version import __version__

if TYPE_CHECKING:
    from .client import (
        AsyncChatStream,
        AsyncClient,
        ChatResult,
        ChatStream,
        Client,
        StreamEvent,
        Usage,
    )
    from .config.edit import EditResult, get_config_value, set_config_value, unset_config_value
    from .config.locate import config_path
    from .config.resolve import ConfigWarning, Provider, ResolvedConfig, Source, load_config
    from .config.schema import ModelDefinition
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
        IncludeError,
        InvalidModelRefError,
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
        UnknownModelError,
        UnsupportedAPIError,
        UnsupportedInputError,
    )
    from .onboarding import OnboardingAnswers, onboard
    from .plugin import ProviderPlugin, discover_providers, implicit_providers
    from .refs import ModelRef, ModelTarget, parse_ref

_EXPORTS: dict[str, str] = {
    "AsyncChatStream": "client",
    "AsyncClient": "client",
    "ChatResult": "client",
    "ChatStream": "client",
    "Client": "client",
    "StreamEvent": "client",
    "Usage": "client",
    "EditResult": "config.edit",
    "get_config_value": "config.edit",
    "set_config_value": "config.edit",
    "unset_config_value": "config.edit",
    "config_path": "config.locate",
    "ConfigWarning": "config.resolve",
    "Provider": "config.resolve",
    "ResolvedConfig": "config.resolve",
    "Source": "config.resolve",
    "load_config": "config.resolve",
    "ModelDefinition": "config.schema",
    "DiscoveredModel": "discovery",
    "Check": "doctor",
    "run_checks": "doctor",
    "discover_models": "discovery",
    "OnboardingAnswers": "onboarding",
    "onboard": "onboarding",
    "ProviderPlugin": "plugin",
    "discover_providers": "plugin",
    "implicit_providers": "plugin",
    "ModelRef": "refs",
    "ModelTarget": "refs",
    "parse_ref": "refs",
}
_EXPORTS.update(dict.fromkeys(_errors.__all__, "errors"))

__all__ = [
    "AllModelsFailedError",
    "AsyncChatStream",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "ChatResult",
    "ChatStream",
    "Check",
    "ClawdbotLiteLLMError",
    "Client",
    "ConfigError",
    "ConfigFileError",
    "ConfigPathError",
    "ConfigPathNotFoundError",
    "ConfigSyntaxError",
    "ConfigValidationError",
    "ConfigWarning",
    "ConfigWriteError",
    "ContextWindowError",
    "DiscoveredModel",
    "EditResult",
    "IncludeError",
    "InvalidModelRefError",
    "MissingEnvVarError",
    "ModelDefinition",
    "ModelNotServedError",
    "ModelRef",
    "ModelTarget",
    "OnboardingAnswers",
    "Problem",
    "Provider",
    "ProviderPlugin",
    "ProxyError",
    "ProxyLaunchError",
    "ProxyServerError",
    "ProxyTimeoutError",
    "ProxyUnreachableError",
    "RateLimitError",
    "ResolvedConfig",
    "Source",
    "StreamEvent",
    "StreamInterruptedError",
    "UnknownModelError",
    "UnsupportedAPIError",
    "UnsupportedInputError",
    "Usage",
    "__version__",
    "config_path",
    "discover_models",
    "discover_providers",
    "get_config_value",
    "implicit_providers",
    "load_config",
    "onboard",
    "parse_ref",
    "run_checks",
    "set_config_value",
    "unset_config_value",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
