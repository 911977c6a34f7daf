#!/usr/bin/env bash
# Create .venv and install fupin with its test extras (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
# Label Studio 1.23 in its own environment (tests/conftest.py starts it on 127.0.0.1; never on 0.0.0.0)
[ -x .venv-ls/bin/label-studio ] || { { [ -x .venv-ls/bin/python ] || "$PY" -m venv .venv-ls; } \
    && .venv-ls/bin/python -m pip install -q --upgrade pip && .venv-ls/bin/python -m pip install -q "label-studio==1.23.*"; } \
    || echo "setup.sh: label-studio not installed in .venv-ls; Label Studio tests will skip" >&2
