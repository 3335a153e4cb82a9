#!/usr/bin/env bash
# The room's invariants fire (util/invariant.hpp, actors/room.cpp): a room with a planted bug
# that leaves a stale fan-out plan (tests/mutants/room_invariant_stale_plan.mutant) must abort
# at the next line it fans out, printing file:line and what broke, instead of running on.
# Usage: invariant_fires.sh MUTANT_BINARY SCENARIO
set -u
binary=$1
scenario=$2
ulimit -c 0 # the abort is expected: no core file
output=$("$binary" --scenario "$scenario" 2>&1)
status=$?
expected='room\.cpp:[0-9]+: invariant broken: room: a fan-out plan outlived a membership change'
if [ "$status" -ne 134 ]; then # 128 + SIGABRT
  echo "FAIL: expected the run to abort (status 134), got status $status. Output:"
  echo "$output"
  exit 1
fi
if ! grep -Eq "$expected" <<<"$output"; then
  echo "FAIL: aborted, but without the invariant's message. Output:"
  echo "$output"
  exit 1
fi
grep -E "$expected" <<<"$output"
echo "ok: the room's fan-out plan invariant fired"
