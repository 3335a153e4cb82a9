#!/usr/bin/env bash
# Parley's set-up, shared by scripts/serve.sh and scripts/test.sh: installs the Debian packages
# that are missing (the machine runs as root, or sudo is used), configures and builds.
# Usage: scripts/setup.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}

packages=(g++ cmake make pkg-config ccache libcaf-dev libspdlog-dev catch2 libsqlite3-dev
          libsodium-dev libcli11-dev nlohmann-json3-dev netcat-openbsd python3
          chromium python3-irc # the trace HTML view's browser test; the IRC end-to-end test
          clang-16 libfuzzer-16-dev libclang-rt-16-dev llvm-16) # scripts/fuzz.sh: the compiler,
          # libFuzzer, the sanitizer runtimes, llvm-symbolizer for readable crash reports
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
