#!/usr/bin/env bash
# Smoke test of the benchmark tools: tiny runs of bench/loadgen against bench/epoll_bound and
# against `parley serve` (IRC and line protocol) whose counts must be exact: 5 clients, 2
# senders, 50 messages each, so every run must report expected == received == 2*50*4 = 400, no
# loss, no gap, no duplicate. Timing is never asserted. Servers listen on port 0; the port comes
# from their "listening on" line. Every server is stopped by its PID.
# usage: bench/smoke_test.sh LOADGEN EPOLL_BOUND PARLEY
set -u
if [ $# -ne 3 ]; then
  echo "usage: $0 LOADGEN EPOLL_BOUND PARLEY" >&2
  exit 2
fi
LOADGEN=$(realpath "$1")
EPOLL_BOUND=$(realpath "$2")
PARLEY=$(realpath "$3")
TMP=$(mktemp -d /tmp/parley-bench-smoke.XXXXXX)
cd "$TMP" || exit 2
pids=()
passed=0
failed=0

cleanup() {
  local p
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then
      kill -TERM "$p" 2>/dev/null
      for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$p" 2>/dev/null
      wait "$p" 2>/dev/null
    fi
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

# wait_port LOG PATTERN: prints the port from the first line of LOG matching PATTERN.
wait_port() {
  local log=$1 pattern=$2 port=""
  for _ in $(seq 100); do
    port=$(sed -n "s/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\)${pattern}.*/\1/p" "$log" | head -n 1)
    [ -n "$port" ] && break
    sleep 0.1
  done
  echo "$port"
}

field() { # field JSON NAME
  sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" <<<"$1"
}

# run_case NAME PID ARGS...: runs loadgen and checks the counts.
run_case() {
  local name=$1 pid=$2
  shift 2
  local out rc
  out=$(timeout 30 "$LOADGEN" --clients 5 --senders 2 --messages 50 --window 8 --duration 20 \
        --drain 10 --json --quiet --server-pid "$pid" "$@" 2>"$TMP/loadgen.err")
  rc=$?
  local joined expected received loss gaps dup sent
  joined=$(field "$out" joined); sent=$(field "$out" sent); expected=$(field "$out" expected)
  received=$(field "$out" received); loss=$(field "$out" loss); gaps=$(field "$out" gaps)
  dup=$(field "$out" dup_reorder)
  if [ "$rc" -eq 0 ] && [ "$joined" = 5 ] && [ "$sent" = 100 ] && [ "$expected" = 400 ] &&
     [ "$received" = 400 ] && [ "$loss" = 0 ] && [ "$gaps" = 0 ] && [ "$dup" = 0 ]; then
    passed=$((passed + 1))
    echo "ok   - $name: sent $sent, expected $expected, received $received"
  else
    failed=$((failed + 1))
    echo "FAIL - $name (exit $rc)"
    echo "       | $out"
    sed 's/^/       | /' "$TMP/loadgen.err"
  fi
}

# The epoll-bound reference server.
"$EPOLL_BOUND" --listen 127.0.0.1:0 2>"$TMP/eb.log" &
EB=$!
pids+=("$EB")
EB_PORT=$(wait_port "$TMP/eb.log" "")
if [ -z "$EB_PORT" ]; then
  echo "FAIL - epoll_bound did not print its port"; cat "$TMP/eb.log"; exit 1
fi
run_case "epoll_bound irc" "$EB" --proto irc --port "$EB_PORT"
# A second run on the same server: nicks are free again, counts still exact.
run_case "epoll_bound irc again" "$EB" --proto irc --port "$EB_PORT" --channel "#other"

# parley serve, both listeners on free ports. Every client comes from 127.0.0.1, 15 of them
# within seconds: the per-address limits (5 at once, 10 in a burst; docs/security.md) are off.
NO_ADDRESS_LIMITS=(--max-connections-per-address 0 --connect-burst-per-address 0)
"$PARLEY" serve --data-dir "$TMP/data" --listen 127.0.0.1:0 --irc-listen 127.0.0.1:0 \
  --failed-login-delay-ms 0 --log-level info "${NO_ADDRESS_LIMITS[@]}" \
  >"$TMP/parley.out" 2>"$TMP/parley.log" &
PP=$!
pids+=("$PP")
LINE_PORT=$(wait_port "$TMP/parley.log" " (line protocol)")
IRC_PORT=$(wait_port "$TMP/parley.log" " (IRC)")
if [ -z "$LINE_PORT" ] || [ -z "$IRC_PORT" ]; then
  echo "FAIL - parley serve did not print both ports"; cat "$TMP/parley.log"; exit 1
fi
# Line-protocol logins register accounts, and an IRC nick that is an account needs its password:
# each run uses its own nick prefix.
run_case "parley irc" "$PP" --proto irc --port "$IRC_PORT"
run_case "parley line" "$PP" --proto line --port "$LINE_PORT" --nick-prefix ln
# The connection-setup mode: all 5 join, nothing sent.
out=$(timeout 30 "$LOADGEN" --proto irc --port "$IRC_PORT" --clients 5 --connect-only --json --quiet \
      --nick-prefix cx)
if [ $? -eq 0 ] && [ "$(field "$out" joined)" = 5 ]; then
  passed=$((passed + 1)); echo "ok   - parley irc connect-only: 5 joined"
else
  failed=$((failed + 1)); echo "FAIL - parley irc connect-only"; echo "       | $out"
fi

# Back-pressure under load: 10 clients all sending, 64 lines in flight each, so connections
# pause and resume reading over and over (more than 32 queued lines pause a connection). Every
# line must arrive: a lost resume once left sockets unread for good (net/tcp_transport.cpp).
"$PARLEY" serve --data-dir "$TMP/data-bp" --listen 127.0.0.1:0 --irc-listen 127.0.0.1:0 \
  --irc-flood-penalty-ms 0 --log-level info "${NO_ADDRESS_LIMITS[@]}" \
  >"$TMP/parley-bp.out" 2>"$TMP/parley-bp.log" &
BP=$!
pids+=("$BP")
BP_PORT=$(wait_port "$TMP/parley-bp.log" " (IRC)")
# A snapshot of the server's sockets at 12 s, when a healthy run is long over: on a failure it
# shows which connections hold unread bytes (Recv-Q).
(sleep 12; ss -tn "( sport = :$BP_PORT )" >"$TMP/bp-sockets.txt") </dev/null >/dev/null 2>&1 &
SNAP=$!
out=$(timeout 60 "$LOADGEN" --proto irc --port "$BP_PORT" --clients 10 --senders 10 \
      --messages 20000 --window 64 --duration 20 --drain 5 --json --verbose 2>"$TMP/loadgen.err")
lg_rc=$?
pkill -P "$SNAP" 2>/dev/null; kill "$SNAP" 2>/dev/null || true # a healthy run ends long before it
if [ "$lg_rc" -eq 0 ] && [ "$(field "$out" expected)" = 1800000 ] &&
   [ "$(field "$out" received)" = 1800000 ] && [ "$(field "$out" loss)" = 0 ]; then
  passed=$((passed + 1)); echo "ok   - parley back-pressure: 1800000 of 1800000 lines with 64 in flight"
else
  failed=$((failed + 1)); echo "FAIL - parley back-pressure with 64 lines in flight"
  echo "       | $out"; sed 's/^/       | /' "$TMP/loadgen.err"
  sed 's/^/       | /' "$TMP/bp-sockets.txt" 2>/dev/null
fi
kill -TERM "$BP"
wait "$BP"

kill -TERM "$PP" "$EB"
wait "$PP"; prc=$?
wait "$EB"; erc=$?
if [ "$prc" -eq 0 ] && [ "$erc" -eq 0 ]; then
  passed=$((passed + 1)); echo "ok   - both servers exit 0 on SIGTERM"
else
  failed=$((failed + 1)); echo "FAIL - exit codes after SIGTERM: parley $prc, epoll_bound $erc"
  tail -5 "$TMP/parley.log"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
