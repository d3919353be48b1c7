"""Custom auth for the test proxy, loaded by LiteLLM itself (not by pytest).

Without a database LiteLLM answers a wrong key with 400 ``No connected db.`` and a missing key
with a bare text/plain "500 Internal Server Error". Real deployments answer 401, so the adapter
must be proven against a real 401: this hook accepts only the proxy's ``master_key`` and raises
401 for anything else. It runs inside the proxy's own virtualenv, so it may import ``fastapi``
and ``litellm``.
"""

from __future__ import annotations

from typing import Any


async def user_api_key_auth(request: Any, api_key: str) -> dict[str, Any]:
    """Accept the configured master key, refuse every other key (or none) with a 401."""
    from fastapi import HTTPException
    from litellm.proxy import proxy_server

    expected = proxy_server.master_key
    if not expected or api_key != expected:
        raise HTTPException(status_code=401, detail="Invalid API key (clawdbot test proxy).")
    return {"api_key": api_key, "user_role": "proxy_admin"}
