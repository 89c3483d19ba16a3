#!/usr/bin/env bash
# kill -9 loket again and again under load, then check that every message it ever answered 200
# was processed exactly once (tests/crash.rs, kill_9_in_a_loop_under_load_loses_nothing_acknowledged).
# CI runs 3 rounds as part of ./test.sh; this runs as many as you like:
#
#   scripts/kill-loop.sh 50
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
LOKET_KILL_ROUNDS=$rounds cargo test --test crash kill_9_in_a_loop -- --nocapture 2>&1 |
  grep -E "kill -9 loop:|test result|panicked|lost|never processed"
