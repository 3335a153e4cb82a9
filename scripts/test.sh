#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the whole test suite: set-up, build, ctest, then
# every fuzz target for PARLEY_FUZZ_SECONDS (default 30; 0 skips) on top of its corpus, two at a
# time (scripts/fuzz.sh, docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh build
(cd build && ctest --output-on-failure -j2 --timeout 300)
PARLEY_FUZZ_JOBS=${PARLEY_FUZZ_JOBS:-2} bash scripts/fuzz.sh run
