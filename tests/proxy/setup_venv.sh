#!/bin/sh
# Create (or reuse) the LiteLLM proxy's own virtualenv and print the path of its `litellm`
# executable, for CLAWDBOT_LITELLM_PROXY:
#
#   export CLAWDBOT_LITELLM_PROXY="$(tests/proxy/setup_venv.sh [DIR])"
#
# DIR defaults to $CLAWDBOT_LITELLM_PROXY_VENV, else ~/.cache/clawdbot-litellm/litellm-proxy-venv
# (outside the repository, so nothing needs ignoring).
# Idempotent: an existing virtualenv that already has the pinned version is left as it is.
# Progress goes to stderr; stdout carries only the path.
set -eu

LITELLM_SPEC='litellm[proxy]==1.108.7'
LITELLM_VERSION='1.108.7'
PYTHON="${PYTHON:-python3}"
DIR="${1:-${CLAWDBOT_LITELLM_PROXY_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/clawdbot-litellm/litellm-proxy-venv}}"

installed_version() {
    "$DIR/bin/python" -c 'import importlib.metadata as m; print(m.version("litellm"))' 2>/dev/null || true
}

if [ ! -x "$DIR/bin/python" ]; then
    echo "creating virtualenv $DIR" >&2
    mkdir -p "$(dirname "$DIR")"
    "$PYTHON" -m venv "$DIR" >&2
fi

if [ "$(installed_version)" != "$LITELLM_VERSION" ] || [ ! -x "$DIR/bin/litellm" ]; then
    echo "installing $LITELLM_SPEC into $DIR (about a minute, ~750 MB)" >&2
    "$DIR/bin/python" -m pip install --disable-pip-version-check --quiet "$LITELLM_SPEC" >&2
fi

if [ ! -x "$DIR/bin/litellm" ]; then
    echo "error: $DIR/bin/litellm is missing after the install" >&2
    exit 1
fi
echo "$DIR/bin/litellm"
