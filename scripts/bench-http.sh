#!/usr/bin/env bash
# The HTTP benchmark (not a test): what `nimbus serve` answers per second
# compared with the smallest axum server on the same machine.
#
#   scripts/bench-http.sh
#
# In one run it starts, both on 127.0.0.1 (free ports):
#   1. gateway/examples/raw_hello (axum + tokio, POST / -> fixed JSON), and
#   2. `nimbus serve` (release build) with the hello guest of PERF-NOTES.md
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
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}

step() { echo "== bench-http: $*" >&2; }
die() { echo "bench-http: error: $*" >&2; exit 1; }

if ! command -v wrk >/dev/null; then
    step "installing wrk"
    apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null || die "could not install wrk"
fi
if ! command -v clang >/dev/null || [[ ! -d /usr/lib/wasm32-wasi ]]; then
    step "installing clang, lld and wasi-libc (to build the hello guest)"
    apt-get update -qq >/dev/null && apt-get install -y -qq clang lld wasi-libc libclang-rt-dev-wasm32 >/dev/null \
        || die "could not install clang, lld and wasi-libc"
fi
for tool in curl base64 clang; do command -v "$tool" >/dev/null || die "$tool is needed"; done

if [[ -z "${NO_BUILD:-}" ]]; then
    step "building (release): nimbus, raw_hello"
    cargo build --release -q -p nimbus
    cargo build --release -q -p nimbus-gateway --example raw_hello
fi
NIMBUS=$TARGET_DIR/release/nimbus
RAW=$TARGET_DIR/release/examples/raw_hello
[[ -x $NIMBUS ]] || die "no $NIMBUS"
[[ -x $RAW ]] || die "no $RAW"

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

# wait_for_url FILE PREFIX: waits (60 s at most) for a line `PREFIX http://…`
# in FILE and prints the URL.
wait_for_url() {
    local file=$1 prefix=$2 line
    for _ in $(seq 600); do
        line=$(grep -m1 "^$prefix http://" "$file" 2>/dev/null || true)
        if [[ -n $line ]]; then
            echo "${line#"$prefix "}"
            return
        fi
        sleep 0.1
    done
    die "no '$prefix http://…' line in 60 s; stderr: $(tail -c 2000 "$file.err" 2>/dev/null)"
}

# The request: POST with ~100 bytes of JSON; done() prints one parsable line.
cat >"$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"id":12345,"name":"bench","items":[1,2,3,4,5],"note":"a payload of about one hundred bytes"}'
wrk.headers["Content-Type"] = "application/json"

done = function(summary, latency, requests)
    local seconds = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format(
        "BENCH rps=%.1f p50_ms=%.3f p99_ms=%.3f requests=%d non2xx=%d socket_errors=%d\n",
        summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
end
LUA

# bench NAME URL: one wrk run; prints wrk's report and sets RESULT_NAME.
bench() {
    local name=$1 url=$2 out
    step "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $url"
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency --timeout 10s -s "$WORK/post.lua" "$url")
    echo "$out" | sed "s/^/  [$name] /" >&2
    local line
    line=$(echo "$out" | grep '^BENCH ' | tail -1)
    [[ -n $line ]] || die "wrk printed no summary for $name"
    printf -v "RESULT_$name" '%s' "$line"
}

field() { # field LINE KEY
    echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

step "starting raw_hello"
"$RAW" 127.0.0.1:0 >"$WORK/raw.out" 2>"$WORK/raw.out.err" &
PIDS+=($!)
RAW_URL=$(wait_for_url "$WORK/raw.out" "raw_hello listening on")

step "starting nimbus serve"
mkdir "$WORK/data"
"$NIMBUS" serve --listen 127.0.0.1:0 --data-dir "$WORK/data" >"$WORK/nimbus.out" 2>"$WORK/nimbus.out.err" &
PIDS+=($!)
NIMBUS_URL=$(wait_for_url "$WORK/nimbus.out" "nimbus listening on")

step "building the hello guest and creating bench-hello through the Lambda API"
clang --target=wasm32-wasi -O2 -Wl,--strip-all "$ROOT/sandbox/benches/guests/hello.c" -o "$WORK/hello.wasm" \
    || die "clang could not build sandbox/benches/guests/hello.c"
"$NIMBUS" bundle "$WORK/hello.wasm" -o "$WORK/hello.zip" >/dev/null
{
    printf '{"FunctionName":"bench-hello","Runtime":"provided.al2023",'
    printf '"Role":"arn:aws:iam::000000000000:role/lambda-role","Handler":"function.wasm",'
    printf '"MemorySize":128,"Timeout":10,"Code":{"ZipFile":"%s"}}' "$(base64 -w0 "$WORK/hello.zip")"
} >"$WORK/create.json"
curl -sS --fail-with-body -m 30 -o "$WORK/created.json" -X POST -H 'Content-Type: application/json' \
    --data-binary @"$WORK/create.json" "$NIMBUS_URL/2015-03-31/functions" >&2 \
    || die "CreateFunction failed: $(cat "$WORK/created.json" 2>/dev/null)"
INVOKE_URL=$NIMBUS_URL/2015-03-31/functions/bench-hello/invocations
answered=$(curl -sS --fail-with-body -m 30 -X POST -H 'Content-Type: application/json' --data-binary '{"warm":1}' "$INVOKE_URL") \
    || die "Invoke failed: $answered"
[[ $answered == '{"message":"hello"}' ]] || die "bench-hello answered '$answered'"

bench raw "$RAW_URL/"
bench nimbus "$INVOKE_URL"

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
