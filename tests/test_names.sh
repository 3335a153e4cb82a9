#!/bin/bash
# Every Catch test name must survive ctest: catch_discover_tests turns a name into a CMake list
# item, so a ';' cuts it in two, and the cut name then selects no test case at all, which
# Catch v2 counts as a pass (a test with a ';' in its name silently never ran). Usage:
# test_names.sh TEST_BINARY...
status=0
for bin in "$@"; do
  count=0
  while IFS= read -r name; do
    [ -n "$name" ] && count=$((count + 1))
    case "$name" in
      *";"*) echo "$(basename "$bin"): test name with ';' (ctest would never run it): $name"; status=1 ;;
    esac
  done < <("$bin" --list-test-names-only)
  if [ "$count" = 0 ]; then # a binary that crashed or lists nothing proves nothing
    echo "$(basename "$bin"): listed no test names"
    status=1
  fi
done
[ "$status" = 0 ] && echo "all test names are whole"
exit "$status"
