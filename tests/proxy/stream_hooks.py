"""A proxy callback that breaks one model's stream off half-way, loaded by LiteLLM itself.

LiteLLM's own ``mock_streaming_error`` fails before the first byte (a plain 529), so it cannot
show a stream that starts fine and then dies. For the ``stream-cutoff`` model group this hook
passes two chunks through and then raises: the real proxy sends its ``data: {"error": ...}``
frame and ends the stream without ``[DONE]``, which is what an upstream dropping mid-answer
looks like to a client. Every other model's stream passes through untouched.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from litellm.integrations.custom_logger import CustomLogger

CUTOFF_MODEL = "stream-cutoff"
CHUNKS_BEFORE_CUTOFF = 2


class StreamCutoff(CustomLogger):  # type: ignore[misc]
    """Ends the ``stream-cutoff`` model's stream with an error after a few chunks."""

    async def async_post_call_streaming_iterator_hook(
        self, user_api_key_dict: Any, response: Any, request_data: dict[str, Any]
    ) -> AsyncGenerator[Any, None]:
        cut = request_data.get("model") == CUTOFF_MODEL
        sent = 0
        async for item in response:
            if cut and sent == CHUNKS_BEFORE_CUTOFF:
                raise RuntimeError("upstream connection lost mid-stream (clawdbot test proxy)")
            sent += 1
            yield item


proxy_handler_instance = StreamCutoff()
