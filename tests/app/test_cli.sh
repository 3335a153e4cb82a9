#!/usr/bin/env bash
# Black-box test of the real `parley` binary: account administration, the config file and its
# precedence, option errors, a live login and chat over netcat, and SIGTERM.
# Usage: tests/app/test_cli.sh PATH/TO/parley
# Prints one line per check and a final "N passed, M failed"; exits non-zero if any failed.
# Servers listen on 127.0.0.1:0; the port comes from their "listening on" log line. Every
# process this script starts is tracked by PID and killed (by PID) if still running at the end.
set -u

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 PATH/TO/parley" >&2
  exit 2
fi
PARLEY=$(realpath "$1")
TMP=$(mktemp -d /tmp/parley-cli-test.XXXXXX)
cd "$TMP" || exit 2 # no stray caf-application.ini or parley-data from elsewhere

passed=0
failed=0
pids=() # every background process started here

cleanup() {
  local p
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then
      kill -KILL "$p" 2>/dev/null
      wait "$p" 2>/dev/null
    fi
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

pass() {
  passed=$((passed + 1))
  echo "ok   - $1"
}

fail() {
  failed=$((failed + 1))
  echo "FAIL - $1"
  if [ $# -gt 1 ] && [ -n "$2" ]; then
    printf '%s\n' "$2" | sed 's/^/       | /'
  fi
}

# check NAME CONDITION-COMMAND... : passes when the command succeeds.
check() {
  local name=$1
  shift
  if "$@"; then pass "$name"; else fail "$name" "${DETAIL:-}"; fi
  DETAIL=""
}
DETAIL=""

# run [STDIN-TEXT] -- ARGS... : runs parley with a time limit; sets RC, OUT, ERR.
run() {
  local input=""
  local have_input=0
  if [ "$1" != "--" ]; then
    input=$1
    have_input=1
    shift
  fi
  shift # the --
  if [ $have_input -eq 1 ]; then
    printf '%s\n' "$input" | timeout 30 "$PARLEY" "$@" >"$TMP/run.out" 2>"$TMP/run.err"
  else
    timeout 30 "$PARLEY" "$@" >"$TMP/run.out" 2>"$TMP/run.err" </dev/null
  fi
  RC=$?
  OUT=$(cat "$TMP/run.out")
  ERR=$(cat "$TMP/run.err")
  DETAIL="exit code: $RC
stdout: $OUT
stderr: $ERR"
}

# Small predicates for check.
rc_is() { [ "$RC" -eq "$1" ]; }
out_is() { [ "$OUT" = "$1" ]; }
err_has() { printf '%s' "$ERR" | grep -qF -- "$1"; }
rc_and_out() { rc_is "$1" && out_is "$2"; }
rc_and_err() { rc_is "$1" && err_has "$2"; }
nonzero_and_err() { ! rc_is 0 && err_has "$1"; }

# wait_for FILE TEXT [SECONDS]: waits (bounded) until FILE contains TEXT.
wait_for() {
  local file=$1 text=$2 limit=${3:-10}
  local i
  for ((i = 0; i < limit * 20; i++)); do
    if [ -f "$file" ] && grep -qF -- "$text" "$file"; then
      return 0
    fi
    sleep 0.05
  done
  return 1
}


# --- The server ---

SERVER_PID=""
PORT=""

# start_server LOG ARGS...: starts `parley ARGS...` in the background and waits for its port.
start_server() {
  local log=$1
  shift
  PORT=""
  # IRC on a free port too, so servers never contend for 6667.
  "$PARLEY" "$@" --irc-listen 127.0.0.1:0 >"$log" 2>&1 &
  SERVER_PID=$!
  pids+=("$SERVER_PID")
  local i
  for ((i = 0; i < 200; i++)); do
    PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$log" 2>/dev/null | head -n 1)
    [ -n "$PORT" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  DETAIL="server log:
$(cat "$log")"
  return 1
}

# stop_server SIGNAL: signals the server and waits (bounded) for it; sets SERVER_RC.
stop_server() {
  local sig=$1 i
  SERVER_RC=""
  [ -n "$SERVER_PID" ] || return 1
  kill "-$sig" "$SERVER_PID" 2>/dev/null
  for ((i = 0; i < 200; i++)); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_RC="killed (did not stop within 10 s)"
  else
    wait "$SERVER_PID"
    SERVER_RC=$?
  fi
  SERVER_PID=""
}

# --- netcat clients: NAME.in is a FIFO held open for writing, NAME.out collects the output ---

declare -A client_fd client_pid client_seen

client_start() {
  local name=$1 fd
  rm -f "$TMP/$name.in"
  mkfifo "$TMP/$name.in"
  : >"$TMP/$name.out"
  nc 127.0.0.1 "$PORT" <"$TMP/$name.in" >"$TMP/$name.out" 2>&1 &
  client_pid[$name]=$!
  pids+=("$!")
  exec {fd}>"$TMP/$name.in"
  client_fd[$name]=$fd
  client_seen[$name]=0
}

# client_send NAME LINE...: sends each LINE with CRLF.
client_send() {
  local name=$1
  shift
  printf '%s\r\n' "$@" >&"${client_fd[$name]}"
}

# client_expect NAME TEXT: waits (bounded) for a line containing TEXT after the line the previous
# client_expect matched, so repeated prompts are told apart.
client_expect() {
  local name=$1 text=$2 i n
  local file="$TMP/$name.out"
  for ((i = 0; i < 200; i++)); do
    n=$(tr -d '\r' <"$file" | tail -n "+$((client_seen[$name] + 1))" | grep -nF -m 1 -- "$text" |
      cut -d: -f1)
    if [ -n "$n" ]; then
      client_seen[$name]=$((client_seen[$name] + n))
      return 0
    fi
    sleep 0.05
  done
  DETAIL="$name did not receive: $text (after line ${client_seen[$name]})
$name received:
$(tr -d '\r' <"$file")"
  return 1
}

client_stop() {
  local name=$1 i fd p
  fd=${client_fd[$name]:-}
  if [ -n "$fd" ]; then
    exec {fd}>&-
    unset "client_fd[$name]"
  fi
  p=${client_pid[$name]:-}
  if [ -n "$p" ]; then
    for ((i = 0; i < 40; i++)); do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.05
    done
    kill -0 "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null
    wait "$p" 2>/dev/null
    unset "client_pid[$name]"
  fi
  rm -f "$TMP/$name.in"
}

# login NAME PASSWORD: a client logs in to an existing account (prompts checked on the way).
login() {
  local name=$1 password=$2
  client_start "$name"
  client_expect "$name" "*** Name?" || return 1
  client_send "$name" "$name"
  client_expect "$name" "*** Password for $name?" || return 1
  client_send "$name" "$password"
  client_expect "$name" "*** Logged in as $name." || return 1
}

# ---------------------------------------------------------------------------------------------
# Account administration
# ---------------------------------------------------------------------------------------------

DATA="$TMP/data"

run "first-pass" -- --data-dir "$DATA" user add alice
check "user add alice (password on stdin)" rc_and_out 0 "added user alice"

run -- --data-dir "$DATA" user list
check "user list shows alice" rc_and_out 0 "alice"

run "whatever1" -- --data-dir "$DATA" user add Alice
check "user add of an existing name (any case) fails" rc_and_err 1 "parley: user exists: alice"

run "short" -- --data-dir "$DATA" user add bob
check "user add with a too-short password fails" rc_and_err 1 "password too short"

run -- --data-dir "$DATA" user add bob
check "user add without a password on stdin fails" rc_and_err 1 "no password on stdin"

run "bob-pass1" -- user add bob --data-dir "$DATA"
check "user add bob (options after the subcommand)" rc_and_out 0 "added user bob"

run -- --data-dir "$DATA" user list
check "user list is sorted and complete" rc_and_out 0 "alice
bob"

run "second-pass" -- --data-dir "$DATA" user passwd alice
check "user passwd alice" rc_and_out 0 "changed password of alice"

run "third-pass" -- --data-dir "$DATA" user passwd nobody
check "user passwd of a missing user fails" rc_and_err 1 "parley: no such user: nobody"

run -- --data-dir "$DATA" user del bob
check "user del bob" rc_and_out 0 "deleted user bob"

run -- --data-dir "$DATA" user list
check "user list no longer shows bob" rc_and_out 0 "alice"

run -- --data-dir "$DATA" user del bob
check "user del of a missing user exits 1 with a message" rc_and_err 1 "parley: no such user: bob"

run "some-pass" -- --data-dir "$DATA" user add 1nvalid
check "user add with an invalid name exits 1 with a message" \
  rc_and_err 1 "parley: invalid name '1nvalid': names are 1 to 32 letters"

run -- --data-dir "$DATA" user del "bad name"
check "user del with an invalid name exits 1 with a message" rc_and_err 1 "invalid name 'bad name'"

# ---------------------------------------------------------------------------------------------
# Option errors
# ---------------------------------------------------------------------------------------------

cat >"$TMP/unknown-top.toml" <<EOF
data-dir = "$DATA"
bogus-key = 1
[serve]
listen = ["127.0.0.1:0"]
EOF
run -- serve --config "$TMP/unknown-top.toml"
check "an unknown top-level key in the config file is refused" nonzero_and_err "bogus-key"

cat >"$TMP/unknown-serve.toml" <<EOF
data-dir = "$DATA"
[serve]
listen = ["127.0.0.1:0"]
frobnicate = 2
EOF
run -- serve --config "$TMP/unknown-serve.toml"
check "an unknown [serve] key in the config file is refused" nonzero_and_err "serve.frobnicate"

run -- serve --data-dir "$DATA" --listen 127.0.0.1:0 --bogus-option
check "an unknown command-line option is refused" \
  nonzero_and_err "The following argument was not expected: --bogus-option"

run -- --data-dir "$DATA" --frobnicate user list
check "an unknown option before the subcommand is refused" \
  nonzero_and_err "The following argument was not expected: --frobnicate"

run -- serve --config "$TMP/does-not-exist.toml"
check "a missing config file is refused" nonzero_and_err "does-not-exist.toml"

run -- serve --data-dir "$DATA" --listen 127.0.0.1:0 --max-connections 0
check "an out-of-range option value is refused" nonzero_and_err "max-connections"

# ---------------------------------------------------------------------------------------------
# serve with a config file; login and chat over netcat; SIGTERM
# ---------------------------------------------------------------------------------------------

cat >"$TMP/serve.toml" <<EOF
# Parley test configuration
data-dir = "$DATA"
log-level = "debug"

[serve]
listen = ["127.0.0.1:0"]
failed-login-delay-ms = 100
EOF

if start_server "$TMP/serve1.log" serve --config "$TMP/serve.toml"; then
  pass "serve --config FILE starts and logs its port ($PORT)"

  # The old password is refused (user passwd took effect), the new one works.
  client_start alice
  client_expect alice "*** Name?"
  client_send alice "alice"
  client_expect alice "*** Password for alice?"
  client_send alice "first-pass"
  check "the old password of alice is refused" client_expect alice "ERROR wrong password"
  client_expect alice "*** Name?"
  client_send alice "alice"
  client_expect alice "*** Password for alice?"
  client_send alice "second-pass"
  check "the pre-added user logs in with the changed password" \
    client_expect alice "*** Logged in as alice."
  check "alice is alone in the lobby" client_expect alice "*** You are in lobby (1 member: alice)."

  client_start carol
  client_expect carol "*** Name?"
  client_send carol "carol"
  client_expect carol "*** New account carol."
  client_send carol "carol-pass"
  check "a new user registers over the network" \
    client_expect carol "*** You are in lobby (2 members: alice carol)."
  check "alice sees carol join" client_expect alice "[lobby] *** carol joined"

  client_send alice "hello carol"
  check "carol receives alice's chat line" client_expect carol "[lobby] alice: hello carol"
  client_send carol "/me waves"
  check "alice receives carol's action" client_expect alice "[lobby] * carol waves"
  client_send alice "/who"
  check "/who answers" client_expect alice "*** Members of lobby (2): alice carol"

  stop_server TERM
  DETAIL="exit: $SERVER_RC
log:
$(cat "$TMP/serve1.log")"
  check "SIGTERM makes serve exit 0" [ "$SERVER_RC" = "0" ]
  check "alice got the shutdown notice" \
    client_expect alice "*** Server shutting down: the operator stopped the server"
  check "carol got the shutdown notice" \
    client_expect carol "*** Server shutting down: the operator stopped the server"
  DETAIL="log:
$(cat "$TMP/serve1.log")"
  check "the log reports the signal and the closed connections" \
    grep -q "received SIGTERM, shutting down" "$TMP/serve1.log"
  client_stop alice
  client_stop carol
else
  fail "serve --config FILE starts and logs its port" "$DETAIL"
fi

# The command line wins over the file: the file names another data directory and a log level
# that would hide the "listening on" line; the command line restores both.
cat >"$TMP/override.toml" <<EOF
data-dir = "$TMP/other-data"
log-level = "warn"
[serve]
listen = ["127.0.0.1:0"]
EOF
if start_server "$TMP/serve2.log" serve --config "$TMP/override.toml" \
  --data-dir "$DATA" --log-level info; then
  pass "the command line overrides log-level from the file"
  check "the command line overrides data-dir from the file (alice logs in)" \
    login alice "second-pass"
  check "the file's data-dir was not used" [ ! -e "$TMP/other-data" ]
  stop_server INT
  DETAIL="exit: $SERVER_RC"
  check "SIGINT makes serve exit 0" [ "$SERVER_RC" = "0" ]
  check "alice got the shutdown notice after SIGINT" \
    client_expect alice "*** Server shutting down: the operator stopped the server"
  client_stop alice
else
  fail "the command line overrides log-level from the file" "$DETAIL"
fi

# A server whose listen address cannot be bound exits non-zero. (Its own data directory: this
# checks the port, not two servers sharing one user store.)
if start_server "$TMP/serve3.log" serve --data-dir "$DATA" --listen 127.0.0.1:0; then
  busy_port=$PORT
  run -- serve --data-dir "$TMP/data-2" --listen "127.0.0.1:$busy_port"
  check "serve on a port in use exits 1 with a message" rc_and_err 1 "cannot listen on 127.0.0.1:$busy_port"
  stop_server TERM
else
  fail "a server for the port-in-use check starts" "$DETAIL"
fi

# --- Per-address limits (docs/security.md): the public defaults, and a config-file key ---

# help_default OPTION VALUE: `serve --help` (in $OUT) gives OPTION the default VALUE.
help_default() { printf '%s\n' "$OUT" | grep -qE -- "^ *$1 .*=$2\$"; }
run -- serve --help
check "serve --help: at most 5 connections per address at once by default" \
  help_default --max-connections-per-address 5
check "serve --help: a burst of 10 new connections per address, then one per 6 s, by default" \
  eval 'help_default --connect-burst-per-address 10 &&
        help_default --connect-interval-per-address-ms 6000'

cat >"$TMP/per-address.toml" <<EOF
data-dir = "$DATA"
[serve]
listen = ["127.0.0.1:0"]
max-connections-per-address = 2
EOF
if start_server "$TMP/serve-per-address.log" serve --config "$TMP/per-address.toml"; then
  client_start pa1
  client_expect pa1 "*** Name?"
  client_start pa2
  client_expect pa2 "*** Name?"
  client_start pa3
  check "max-connections-per-address = 2 (config file): a third client from 127.0.0.1 is refused" \
    client_expect pa3 "ERROR too many connections from your address (2); try again later"
  client_send pa1 "alice"
  check "the clients admitted are unaffected by the refusal" \
    client_expect pa1 "*** Password for alice?"
  client_stop pa1
  client_stop pa2
  client_stop pa3
  stop_server TERM
else
  fail "a server with per-address limits from its config file starts" "$DETAIL"
fi

# --- serve --trace ---

trace_has() { grep -qF -- "$1" "$TMP/live.trace.jsonl"; }
if start_server "$TMP/serve-trace.log" serve --data-dir "$DATA" --listen 127.0.0.1:0 \
  --trace "$TMP/live.trace.jsonl"; then
  check "alice logs in to a traced server" login alice "second-pass"
  client_send alice "traced hello"
  client_send alice "/who"
  check "alice gets her /who answer" client_expect alice "*** Members of lobby (1): alice"
  client_stop alice
  stop_server TERM
  check "the live trace starts with its meta line" \
    grep -q '"clock":"monotonic".*"kind":"meta"' "$TMP/live.trace.jsonl"
  check "the live trace has the accept and read network events" \
    trace_has '"kind":"net","action":"accept"'
  check "the live trace has alice's chat line in the room" trace_has 'post_line(\"alice\", \"traced hello\", 0, '
  check "the live trace names actors stably" trace_has '"to":"room/lobby"'
  DETAIL="$(grep -c . "$TMP/live.trace.jsonl") lines"
  check "the live trace never contains the password" bash -c "! grep -q second-pass '$TMP/live.trace.jsonl'"
else
  fail "a traced server starts" "$DETAIL"
fi

# --- parley sim ---

out_has() { printf '%s' "$OUT" | grep -qF -- "$1"; }
rc_and_out_has() { rc_is "$1" && out_has "$2"; }
same_nonempty() { [ -n "$1" ] && [ "$1" = "$2" ]; }
differ_nonempty() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" != "$2" ]; }

run -- sim --seed 11 --clients 6 --duration 20s
check "sim --seed runs and keeps the invariants" rc_and_out_has 0 "seed 11: ok"
hash1=$(printf '%s\n' "$OUT" | grep "event hash")
run -- sim --seed 11 --clients 6 --duration 20s
hash2=$(printf '%s\n' "$OUT" | grep "event hash")
DETAIL="first: $hash1
second: $hash2"
check "the same seed in two processes gives the same event hash" same_nonempty "$hash1" "$hash2"
run -- sim --seed 12 --clients 6 --duration 20s
hash3=$(printf '%s\n' "$OUT" | grep "event hash")
DETAIL="seed 11: $hash1
seed 12: $hash3"
check "another seed gives another event hash" differ_nonempty "$hash1" "$hash3"

run -- sim --seed 5 --clients 6 --duration 20s --check-determinism
check "sim --check-determinism reports a deterministic run" rc_and_out_has 0 "seed 5: deterministic"

run -- sim --seeds 1..12 --jobs 2 --clients 6 --duration 20s --activity 120
check "a swarm over two worker processes passes and counts every seed" rc_and_out_has 0 "12 seeds, 0 failed"

run -- sim --seed 3 --faults reset,stall --clients 6 --duration 20s
check "sim --faults runs exactly the listed fault kinds" rc_and_out_has 0 "faults       reset,stall"

run -- sim --seed 3 --duration soon
check "a malformed duration is refused" rc_and_err 2 "bad duration 'soon'"

cat >"$TMP/failing.scn" <<'SCN'
client alice
at 0s alice connect
expect alice "*** this line never comes" before 1s
SCN
run -- sim --scenario "$TMP/failing.scn"
check "a scenario whose expectation fails exits 1 and says which" rc_and_out_has 1 "FAIL line 3"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
