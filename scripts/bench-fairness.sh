#!/usr/bin/env bash
# The fairness benchmark (not a test): what a hello function keeps of its
# throughput when another function's invocations spin beside it on the same
# node.
#
#   scripts/bench-fairness.sh
#
# One `nimbus serve` (release build, default flags: on 2 cores one sandbox
# thread), with `bench-hello` (sandbox/benches/guests/hello.c) and `loop`
# (sandbox/tests/guests/loop.wat: spins until its 1 s timeout) created
# through the Lambda API. wrk (-t2 -c64, DURATION) drives bench-hello three
# times: alone; beside one client invoking `loop` back to back; beside
# eight clients invoking `loop` concurrently (eight invocations of one
# function at a time). It prints hello's req/s, its share of the solo run,
# its p99, and how many `loop` invocations completed (all time out, as they
# should). Then it runs scripts/bench-http.sh in the same session, for the
# ratio to raw axum. Loopback only, bounded in time.
#
# Environment: as scripts/bench-http.sh (CARGO_TARGET_DIR, DURATION,
# CONNECTIONS, THREADS, NO_BUILD=1).
set -euo pipefail
NAME=bench-fairness
source "$(dirname "$0")/bench-lib.sh"

step "starting nimbus serve"
start_nimbus

step "creating bench-hello and loop through the Lambda API"
deploy_hello
create_function loop "$ROOT/sandbox/tests/guests/loop.wat" 1
LOOP_URL=$NIMBUS_URL/2015-03-31/functions/loop/invocations

# loop_clients N: starts N clients, each invoking `loop` back to back and
# writing one line per completed invocation to $WORK/loops-N-K.
loop_clients() {
    local count=$1 k
    LOOP_PIDS=()
    for k in $(seq "$count"); do
        (
            while true; do
                curl -s -o /dev/null -m 30 -X POST --data-binary '{}' "$LOOP_URL" && echo done
            done >"$WORK/loops-$count-$k"
        ) &
        LOOP_PIDS+=($!)
        PIDS+=($!)
    done
    # Let every client's first invocation start before measuring.
    sleep 0.5
}

stop_loop_clients() {
    local pid
    for pid in "${LOOP_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        pkill -TERM -P "$pid" 2>/dev/null || true
    done
    for pid in "${LOOP_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
}

completed_loops() {
    cat "$WORK"/loops-"$1"-* 2>/dev/null | wc -l
}

bench solo "$HELLO_URL"

loop_clients 1
bench one_loop "$HELLO_URL"
stop_loop_clients
LOOPS_one_loop=$(completed_loops 1)

loop_clients 8
bench eight_loops "$HELLO_URL"
stop_loop_clients
LOOPS_eight_loops=$(completed_loops 8)

SOLO_RPS=$(field "$RESULT_solo" rps)
echo
printf '%-22s %12s %10s %10s %10s %16s\n' "hello" "req/s" "of solo" "p50 ms" "p99 ms" "loops completed"
for run in solo one_loop eight_loops; do
    line=RESULT_$run
    loops=LOOPS_$run
    rps=$(field "${!line}" rps)
    share=$(awk -v r="$rps" -v s="$SOLO_RPS" 'BEGIN { printf "%.0f%%", (s > 0 ? 100 * r / s : 0) }')
    printf '%-22s %12s %10s %10s %10s %16s\n' "$run" "$rps" "$share" "$(field "${!line}" p50_ms)" \
        "$(field "${!line}" p99_ms)" "${!loops:--}"
done
ONE_SHARE=$(awk -v r="$(field "$RESULT_one_loop" rps)" -v s="$SOLO_RPS" 'BEGIN { printf "%.2f", r / s }')
EIGHT_SHARE=$(awk -v r="$(field "$RESULT_eight_loops" rps)" -v s="$SOLO_RPS" 'BEGIN { printf "%.2f", r / s }')
echo "bench-fairness: hello solo $SOLO_RPS req/s; beside one loop $ONE_SHARE of solo" \
    "(p99 $(field "$RESULT_one_loop" p99_ms) ms); beside eight loops of one function $EIGHT_SHARE of solo" \
    "(p99 $(field "$RESULT_eight_loops" p99_ms) ms) (wrk -t$THREADS -c$CONNECTIONS -d$DURATION, loopback)"

step "the HTTP benchmark in the same session"
NO_BUILD=1 bash "$ROOT/scripts/bench-http.sh" 2>/dev/null | tail -1
