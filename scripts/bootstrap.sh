#!/usr/bin/env bash
# Install the project's Python environment (.venv) from the lock file; bring uv if the machine lacks it.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check uv
fi
[ -f /usr/include/lber.h ] && [ -f /usr/include/sasl/sasl.h ] || scripts/system-deps.sh --build  # python-ldap
uv sync --frozen --quiet
