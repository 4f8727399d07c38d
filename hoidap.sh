#!/usr/bin/env bash
# One command: set up (first time only) and run hoidap; with no arguments, serve the chat
# service on the built-in corpus. E.g.
#   ./hoidap.sh
#   ./hoidap.sh search "Bình Phước xếp hạng chuyển đổi số thứ mấy?"
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/scripts/setup"
[ $# -eq 0 ] && set -- serve
exec "$here/.venv/bin/hoidap" "$@"
