#!/usr/bin/env bash
# The HTTP benchmark (not a test): what `nimbus serve` answers per second
# compared with the smallest axum server on the same machine.
#
#   scripts/bench-http.sh
#
# In one run it starts, both on 127.0.0.1 (free ports):
#   1. gateway/examples/raw_hello (axum + tokio, POST / -> fixed JSON), and
#   2. `nimbus serve` (release build) with the hello guest of docs/performance-notes.md
#      (sandbox/benches/guests/hello.c: wasi-libc, reads the ~100-byte event,
#      writes 20 bytes of JSON; built with clang) created as the function
#      `bench-hello` through the Lambda API (curl),
# then drives each with `wrk -t2 -c64 -d10s --latency` POSTing ~100 bytes of
# JSON (a Lua script), and prints req/s, p50 and p99 for each and the ratio.
# Everything is bounded (one wrk run per server) and loopback only.
#
# Environment:
#   CARGO_TARGET_DIR  honoured when locating the binaries
#   DURATION          wrk's -d (default 10s)
#   CONNECTIONS       wrk's -c (default 64)
#   THREADS           wrk's -t (default 2)
#   NO_BUILD=1        use the release binaries as they are
set -euo pipefail
NAME=bench-http
source "$(dirname "$0")/bench-lib.sh"

step "starting raw_hello"
"$RAW" 127.0.0.1:0 >"$WORK/raw.out" 2>"$WORK/raw.out.err" &
PIDS+=($!)
RAW_URL=$(wait_for_url "$WORK/raw.out" "raw_hello listening on")

step "starting nimbus serve"
start_nimbus

step "building the hello guest and creating bench-hello through the Lambda API"
deploy_hello

bench raw "$RAW_URL/"
bench nimbus "$HELLO_URL"

RAW_RPS=$(field "$RESULT_raw" rps)
NIMBUS_RPS=$(field "$RESULT_nimbus" rps)
RATIO=$(awk -v n="$NIMBUS_RPS" -v r="$RAW_RPS" 'BEGIN { printf "%.3f", (r > 0 ? n / r : 0) }')

echo
printf '%-10s %12s %10s %10s %10s %10s\n' server "req/s" "p50 ms" "p99 ms" non-2xx "sock err"
for name in raw nimbus; do
    line=RESULT_$name
    printf '%-10s %12s %10s %10s %10s %10s\n' "$name" "$(field "${!line}" rps)" "$(field "${!line}" p50_ms)" \
        "$(field "${!line}" p99_ms)" "$(field "${!line}" non2xx)" "$(field "${!line}" socket_errors)"
done
echo "bench-http: raw_hello $RAW_RPS req/s (p50 $(field "$RESULT_raw" p50_ms) ms, p99 $(field "$RESULT_raw" p99_ms) ms);" \
    "nimbus hello $NIMBUS_RPS req/s (p50 $(field "$RESULT_nimbus" p50_ms) ms, p99 $(field "$RESULT_nimbus" p99_ms) ms," \
    "non-2xx $(field "$RESULT_nimbus" non2xx)); nimbus/raw = $RATIO (wrk -t$THREADS -c$CONNECTIONS -d$DURATION, loopback)"
