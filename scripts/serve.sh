#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running live server on embedded defaults
# (127.0.0.1:7777, user store in ./parley-data). Extra arguments go to `parley serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh build
exec ./build/parley serve "$@"
