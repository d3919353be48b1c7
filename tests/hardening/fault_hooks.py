"""A proxy callback that slows one model's stream down, loaded by LiteLLM itself (not by pytest).

LiteLLM streams a mock answer as fast as it can, so there is no moment to kill the proxy while it
is still answering. For the ``slow-stream`` model group this hook waits between chunks; every
other model's stream passes through untouched. It runs inside the proxy's own virtualenv.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from litellm.integrations.custom_logger import CustomLogger

SLOW_MODEL = "slow-stream"
SECONDS_PER_CHUNK = 0.05


class SlowStream(CustomLogger):  # type: ignore[misc]
    """Spaces the ``slow-stream`` model's chunks ``SECONDS_PER_CHUNK`` apart."""

    async def async_post_call_streaming_iterator_hook(
        self, user_api_key_dict: Any, response: Any, request_data: dict[str, Any]
    ) -> AsyncGenerator[Any, None]:
        slow = request_data.get("model") == SLOW_MODEL
        async for item in response:
            if slow:
                await asyncio.sleep(SECONDS_PER_CHUNK)
            yield item


proxy_handler_instance = SlowStream()
