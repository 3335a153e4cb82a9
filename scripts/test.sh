#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the whole test suite: set-up, build, ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh build
cd build
ctest --output-on-failure -j2 --timeout 300
