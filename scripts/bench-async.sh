#!/usr/bin/env bash
# The asynchronous-invocation benchmark (not a test): how fast `nimbus serve`
# accepts Event invokes (202, durably queued) and runs them, beside its
# synchronous invokes measured in the same run.
#
#   scripts/bench-async.sh
#
# One `nimbus serve` (release build, default flags) with the hello guest
# (sandbox/benches/guests/hello.c) created three times through the Lambda
# API. Then, on loopback:
#   1. sync:      wrk (-t2 -c64, DURATION) invoking `bench-hello`;
#   2. accepted:  wrk with `X-Amz-Invocation-Type: Event` against
#                 `bench-accept`: events accepted (202) per second; the
#                 queue is then left to drain;
#   3. completed: a burst of BURST events to `bench-burst` (wrk, stopping
#                 at BURST answers): from the burst's first request until
#                 the usage ledger holds all BURST records, in events/s;
#   4. latency:   on the idle server, SAMPLES events sent one at a time to
#                 `bench-burst`: from the 202 to the start time the ledger
#                 records for it (ms, p50 and p99; clocks are the same).
#
# Environment: as scripts/bench-http.sh (CARGO_TARGET_DIR, DURATION,
# CONNECTIONS, THREADS, NO_BUILD=1), and BURST (default 100000), SAMPLES
# (default 200).
set -euo pipefail
NAME=bench-async
BURST=${BURST:-100000}
SAMPLES=${SAMPLES:-200}
source "$(dirname "$0")/bench-lib.sh"
command -v python3 >/dev/null || die "python3 is needed"

step "starting nimbus serve"
start_nimbus

step "creating bench-hello, bench-accept and bench-burst through the Lambda API"
deploy_hello
create_function bench-accept "$WORK/hello.wasm" 10
create_function bench-burst "$WORK/hello.wasm" 10

# Event invokes: post.lua with the header; for the burst, each wrk thread
# also stops after its share of BURST answers.
sed 's/^wrk.headers\["Content-Type"\].*/&\nwrk.headers["X-Amz-Invocation-Type"] = "Event"/' "$WORK/post.lua" >"$WORK/event.lua"
cat "$WORK/event.lua" - >"$WORK/burst.lua" <<LUA
local per_thread = math.ceil($BURST / $THREADS)
local answered = 0
response = function(status, headers, body)
    answered = answered + 1
    if answered >= per_thread then wrk.thread:stop() end
end
LUA

# invocations FUNCTION: how many usage records the ledger holds for it.
invocations() {
    curl -sS -m 30 "$NIMBUS_URL/nimbus/v1/usage?function=$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["invocations"])'
}

# queued: events still queued, all functions.
queued() {
    curl -sS -m 30 "$NIMBUS_URL/metrics" | awk '/^nimbus_async_events_queued[{ ]/ { n += $NF } END { print n + 0 }'
}

bench sync "$HELLO_URL"
bench accepted "$NIMBUS_URL/2015-03-31/functions/bench-accept/invocations" "$WORK/event.lua"
ACCEPTED=$(field "$RESULT_accepted" requests)
step "letting the $ACCEPTED accepted events run"
drain_started=$(date +%s.%N)
RAN_DURING=$(invocations bench-accept)
for _ in $(seq 6000); do
    [[ $(queued) == 0 ]] && break
    sleep 0.1
done
[[ $(queued) == 0 ]] || die "the queue did not drain in 10 minutes"
[[ $(invocations bench-accept) -ge $ACCEPTED ]] || die "bench-accept ran $(invocations bench-accept) of $ACCEPTED events"
DRAIN_RATE=$(awk -v s="$drain_started" -v e="$(date +%s.%N)" -v n="$((ACCEPTED - RAN_DURING))" \
    'BEGIN { printf "%.1f", n / (e - s) }')

step "a burst of $BURST events to bench-burst"
BURST_URL=$NIMBUS_URL/2015-03-31/functions/bench-burst/invocations
# wrk runs for its whole duration even when its threads stop: it is
# interrupted (and prints its summary) once the server holds the burst.
started=$(date +%s.%N)
wrk -t"$THREADS" -c"$CONNECTIONS" -d600s --timeout 10s -s "$WORK/burst.lua" "$BURST_URL" >"$WORK/burst.out" &
WRK=$!
PIDS+=($WRK)
for _ in $(seq 60000); do
    [[ $(( $(queued) + $(invocations bench-burst) )) -ge $BURST ]] && break
    sleep 0.01
done
accepted_at=$(date +%s.%N)
kill -INT "$WRK"
wait "$WRK" || true
SENT=$(grep -o 'requests=[0-9]*' "$WORK/burst.out" | cut -d= -f2)
[[ -n $SENT && $SENT -ge $BURST ]] || die "the burst sent ${SENT:-no} requests: $(cat "$WORK/burst.out")"
grep -q 'non2xx=0 socket_errors=0' "$WORK/burst.out" || die "the burst had errors: $(cat "$WORK/burst.out")"
for _ in $(seq 60000); do
    [[ $(invocations bench-burst) -ge $SENT ]] && break
    sleep 0.01
done
completed_at=$(date +%s.%N)
[[ $(invocations bench-burst) -ge $SENT ]] || die "bench-burst ran $(invocations bench-burst) of $SENT events"
read -r BURST_ACCEPT_RATE COMPLETED_RATE < <(awk -v s="$started" -v a="$accepted_at" -v c="$completed_at" -v n="$SENT" \
    'BEGIN { printf "%.1f %.1f\n", n / (a - s), n / (c - s) }')

step "202 to start, $SAMPLES events one at a time on the idle server"
LATENCY=$(python3 - "$NIMBUS_URL" "$SAMPLES" <<'PY'
import json, sys, time, urllib.request
from datetime import datetime
url, samples = sys.argv[1], int(sys.argv[2])
path = "/2015-03-31/functions/bench-burst/invocations"
answered = {}
for n in range(samples):
    request = urllib.request.Request(url + path, data=b'{"n":%d}' % n, method="POST",
                                     headers={"X-Amz-Invocation-Type": "Event"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 202, response.status
        answered[response.headers["x-amzn-RequestId"]] = time.time()
    time.sleep(0.02)
time.sleep(1)
logs = json.load(urllib.request.urlopen(url + "/nimbus/v1/functions/bench-burst/logs?limit=1000"))["logs"]
waits = sorted(
    max(0.0, datetime.fromisoformat(log["started_at"].replace("Z", "+00:00")).timestamp() - answered[log["request_id"]])
    for log in logs if log["request_id"] in answered
)
assert len(waits) == samples, f"{len(waits)} of {samples} events ran"
print(f"{waits[len(waits) // 2] * 1000:.1f} {waits[int(len(waits) * 0.99)] * 1000:.1f}")
PY
)
read -r P50 P99 <<<"$LATENCY"

SYNC_RPS=$(field "$RESULT_sync" rps)
ACCEPT_RPS=$(field "$RESULT_accepted" rps)
echo
printf '%-34s %12s\n' "" "per second"
printf '%-34s %12s\n' "sync invokes (200)" "$SYNC_RPS"
printf '%-34s %12s\n' "events accepted (202)" "$ACCEPT_RPS"
printf '%-34s %12s\n' "  ran meanwhile" "$RAN_DURING"
printf '%-34s %12s\n' "  the rest ran afterwards at" "$DRAIN_RATE"
printf '%-34s %12s\n' "burst of $SENT: accepted" "$BURST_ACCEPT_RATE"
printf '%-34s %12s\n' "burst of $SENT: completed" "$COMPLETED_RATE"
echo "bench-async: $ACCEPT_RPS events/s accepted ($(awk -v a="$ACCEPT_RPS" -v s="$SYNC_RPS" 'BEGIN { printf "%.2f", a / s }')" \
    "x sync's $SYNC_RPS invokes/s); a burst of $SENT completed at $COMPLETED_RATE events/s;" \
    "202 to start p50 $P50 ms, p99 $P99 ms idle (wrk -t$THREADS -c$CONNECTIONS -d$DURATION, loopback)"
