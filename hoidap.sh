#!/usr/bin/env bash
# One command: set up (first time only) and run hoidap, e.g.
#   ./hoidap.sh search "Bình Phước xếp hạng chuyển đổi số thứ mấy?"
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/scripts/setup"
exec "$here/.venv/bin/hoidap" "$@"
