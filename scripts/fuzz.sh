#!/usr/bin/env bash
# The fuzz targets (fuzz/, docs/fuzzing.md) with Debian's clang-16 and libFuzzer, in build-fuzz/.
#
#   scripts/fuzz.sh build                 configure and build every target (clang-16,
#                                         -fsanitize=fuzzer,address,undefined)
#   scripts/fuzz.sh run [TARGET...]       build, then fuzz each target (default: all) for
#                                         PARLEY_FUZZ_SECONDS (default 30) on top of its corpus
#   scripts/fuzz.sh replay FILE TARGET    run one input through the sanitized target, with its
#                                         stack trace (what a crash file did)
#   scripts/fuzz.sh sim [NAME]            the whole server in the simulator (fuzz_sim, or
#                                         fuzz_sim_<planted bug>): build, then fuzz it for
#                                         PARLEY_FUZZ_SECONDS or until the oracle fails; not in CI
#
# Settings (environment): PARLEY_FUZZ_SECONDS (30; 0 skips `run`), PARLEY_FUZZ_JOBS (targets
# fuzzed at once, default 1), PARLEY_FUZZ_TIMEOUT (seconds one input may take, default 10).
# An input that crashes, hangs, leaks or breaks a check is moved to fuzz/regressions/TARGET/,
# where ctest replays it on every build (fuzz_regressions:TARGET; rename it to say what it
# found), and printed in base64 for CI logs; `run` then exits 1. New inputs that found
# coverage stay in build-fuzz/corpus/TARGET/ (not checked in; docs/fuzzing.md says how to
# merge them into fuzz/corpus/).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=build-fuzz
seconds=${PARLEY_FUZZ_SECONDS:-30}
jobs=${PARLEY_FUZZ_JOBS:-1}
timeout=${PARLEY_FUZZ_TIMEOUT:-10}
all_targets=(line irc base64 scenario trace config)

build() {
  local start=$SECONDS target=${1:-fuzz_all}
  cmake -S . -B "$out" -DPARLEY_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug \
    -DPARLEY_FUZZ_SIM="$([ "$target" = fuzz_sim_all ] && echo ON || echo OFF)" \
    -DCMAKE_C_COMPILER=clang-16 -DCMAKE_CXX_COMPILER=clang++-16 \
    -DCMAKE_CXX_FLAGS="-O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
    >/dev/null
  cmake --build "$out" --target "$target" -j"$(nproc)"
  echo "fuzz: built in $((SECONDS - start)) s" >&2
}

[ -x /usr/bin/llvm-symbolizer-16 ] && export ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer-16
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:suppressions=$root/tests/ubsan.supp}

# Fuzzes one target; prints "TARGET ok" or "TARGET FAILED" last.
fuzz_one() {
  local t=$1 work="$out/corpus/$1" art="$out/artifacts/$1" log="$out/logs/$1.log"
  mkdir -p "$work" "$art" "$out/logs"
  local seeds=("$root/fuzz/corpus/$t")
  [ -d "$root/fuzz/regressions/$t" ] && seeds+=("$root/fuzz/regressions/$t")
  local dict=()
  [ -f "$root/fuzz/dict/$t.dict" ] && dict=(-dict="$root/fuzz/dict/$t.dict")
  local rc=0
  "$out/fuzz/fuzz_$t" "$work" "${seeds[@]}" "${dict[@]}" -max_total_time="$seconds" \
    -timeout="$timeout" -rss_limit_mb=2048 -artifact_prefix="$art/" -print_final_stats=1 \
    >"$log" 2>&1 || rc=$?
  grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)" "$log" | tr '\n' ' ' \
    | sed "s/^/fuzz: $t: /;s/\$/\n/" >&2
  local found=0
  for f in "$art"/*; do
    [ -f "$f" ] || continue
    found=1
    echo "fuzz: $t: FAILING INPUT $(basename "$f") moved to fuzz/regressions/$t/ (base64: $(base64 -w0 "$f"))" >&2
    mkdir -p "$root/fuzz/regressions/$t"
    mv "$f" "$root/fuzz/regressions/$t/"
  done
  if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
    echo "fuzz: $t: exit code $rc; the end of $log:" >&2
    tail -40 "$log" >&2
    echo "$t FAILED"
  else
    echo "$t ok"
  fi
}

run() {
  local targets=("$@")
  [ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
  if [ "$seconds" = 0 ]; then
    echo "fuzz: PARLEY_FUZZ_SECONDS=0, not fuzzing" >&2
    return 0
  fi
  build
  local start=$SECONDS
  export -f fuzz_one
  export out root seconds timeout
  local results
  results=$(printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'fuzz_one {}')
  echo "fuzz: ${#targets[@]} target(s), ${seconds} s each, $jobs at a time: $((SECONDS - start)) s" >&2
  echo "$results" >&2
  ! grep -q FAILED <<<"$results"
}

case "${1:-}" in
  build) build ;;
  run) shift; run "$@" ;;
  replay)
    [ $# -eq 3 ] || { echo "usage: scripts/fuzz.sh replay FILE TARGET" >&2; exit 2; }
    build
    "$out/fuzz/fuzz_$3" "$2" ;;
  sim)
    name=fuzz_sim${2:+_$2}
    build fuzz_sim_all
    mkdir -p "$out/corpus/$name" "$out/artifacts/$name"
    # CAF keeps some memory until exit, which the leak check would report after every run.
    ASAN_OPTIONS=detect_leaks=0 "$out/fuzz/$name" "$out/corpus/$name" "$root/fuzz/corpus/sim" \
      -max_total_time="$seconds" -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$out/artifacts/$name/" ;;
  *) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
