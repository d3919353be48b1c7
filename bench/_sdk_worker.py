"""A request loop in its own process, for one side of item 6: ``ours`` or ``litellm``.

Standalone on purpose (no imports from ``bench``): the ``litellm`` side runs in the proxy's
virtualenv. Protocol, one JSON object per line on stdout: first
``{"import_s": ..., "first_s": ...}`` (import time, then the first request, which includes any
lazy set-up), then for each ``N`` read on stdin ``{"seconds": ..., "ok": ...}`` for N sequential
requests; ``quit`` ends it.

    python _sdk_worker.py ours|litellm BASE_URL API_KEY MODEL PROMPT ANSWER [CONFIG]
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable


def _ours(base_url: str, api_key: str, model: str, config: str) -> Callable[[str], str]:
    from clawdbot_litellm import Client, load_config

    client = Client(load_config(config, environ={"LITELLM_API_KEY": api_key}), max_retries=0)

    def send(prompt: str) -> str:
        return client.chat(prompt, model=f"litellm/{model}").text

    return send


def _litellm(base_url: str, api_key: str, model: str) -> Callable[[str], str]:
    import litellm

    def send(prompt: str) -> str:
        response = litellm.completion(
            model=f"litellm_proxy/{model}",
            api_base=base_url,
            api_key=api_key,
            messages=[{"role": "user", "content": prompt}],
            max_completion_tokens=8192,  # what the adapter sends for this model
            num_retries=0,
        )
        return str(response.choices[0].message.content)

    return send


def main() -> None:
    side, base_url, api_key, model, prompt, answer = sys.argv[1:7]
    start = time.perf_counter()
    if side == "ours":
        send = _ours(base_url, api_key, model, sys.argv[7])
    else:
        send = _litellm(base_url, api_key, model)
    imported = time.perf_counter() - start
    start = time.perf_counter()
    ok = send(prompt) == answer
    first = time.perf_counter() - start
    print(json.dumps({"import_s": imported, "first_s": first, "ok": ok}), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "quit":
            break
        count = int(command)
        start = time.perf_counter()
        ok = all(send(prompt) == answer for _ in range(count))
        print(json.dumps({"seconds": time.perf_counter() - start, "ok": ok}), flush=True)


if __name__ == "__main__":
    main()
