#!/usr/bin/env bash
# Browser test of `trace export --format html`: exports the two-client fixture, loads the page in
# headless Chromium with no network and checks the DOM that the page's JavaScript built: every
# actor column, the message types on the arrows, one row per event. With
# PARLEY_UPDATE_SCREENSHOT=1 it also renews docs/trace-html.png (1200x800).
# Usage: html_view_test.sh INSPECTOR   (trace_inspect_cli, or parley once it has `trace`)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
inspector=${1:?usage: html_view_test.sh INSPECTOR}
fixture=$here/fixtures/two_clients.jsonl
events=42
actors=(transport listener room/lobby conn/1 conn/2)
types=(connection_accepted bytes_received join_room join_room_result deliver_text post_line
       post_line_result write_bytes connection_lost leave_room)

fail() { echo "FAIL: $*" >&2; exit 1; }

browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || fail "chromium is not installed (apt-get install -y chromium)"
[ -x "$inspector" ] || fail "$inspector is not built (cmake --build build --target trace_inspect_cli)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$inspector" trace export "$fixture" --format html -o "$work/trace.html" >/dev/null
if grep -q -E 'https?://' "$work/trace.html"; then fail "the page names a URL"; fi

chrome() {
  timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run \
    --user-data-dir="$(mktemp -d -p "$work")" "$@" 2>>"$work/chromium.log"
}

chrome --dump-dom "file://$work/trace.html" >"$work/dom.html" ||
  { cat "$work/chromium.log" >&2; fail "chromium could not load the page"; }
dom=$work/dom.html
grep -q "data-rendered=\"$events\"" "$dom" || fail "the script did not render $events rows"
rows=$(grep -o 'class="row"' "$dom" | wc -l)
[ "$rows" -eq "$events" ] || fail "$rows rows rendered, expected $events"
for a in "${actors[@]}"; do
  grep -q -F "<div class=\"actor-name\" title=\"$a\">$a</div>" "$dom" || fail "no column for $a"
done
for t in "${types[@]}"; do
  grep -q -F "<span class=\"type\">$t</span>" "$dom" || fail "no arrow labelled $t"
done
grep -q -F '>read conn/1 4 bytes "hi\r\n"</div>' "$dom" ||
  fail "the network read of \"hi\" is not shown"
echo "html view: ${#actors[@]} actor columns, ${#types[@]} message types, $rows rows rendered"

if [ "${PARLEY_UPDATE_SCREENSHOT:-}" = 1 ]; then
  shot=$(cd "$here/../.." && pwd)/docs/trace-html.png
  chrome --screenshot="$shot" --window-size=1200,800 "file://$work/trace.html" >/dev/null ||
    fail "chromium could not take the screenshot"
  [ -s "$shot" ] || fail "no screenshot written"
  echo "wrote $shot"
fi
