#!/usr/bin/env bash
# One command: set up (with test tools and Chromium) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup --dev
scripts/install-browser
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
