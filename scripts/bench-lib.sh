# What the HTTP benchmarks share (sourced, not run): tools installed, the
# release binaries, a work directory whose servers and clients are stopped
# on exit, `nimbus serve` started on a free port, the hello guest deployed
# through the Lambda API, and one wrk run parsed into a line.
#
# The sourcing script sets NAME (its name in messages) and may set, before
# sourcing: DURATION (wrk's -d, default 10s), CONNECTIONS (-c, 64),
# THREADS (-t, 2), NO_BUILD=1 (use the release binaries as they are).

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}

step() { echo "== $NAME: $*" >&2; }
die() { echo "$NAME: error: $*" >&2; exit 1; }

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

# start_nimbus [FLAG…]: starts `nimbus serve` on a free port with its data in
# the work directory and sets NIMBUS_URL.
start_nimbus() {
    mkdir -p "$WORK/data"
    "$NIMBUS" serve --listen 127.0.0.1:0 --data-dir "$WORK/data" "$@" >"$WORK/nimbus.out" 2>"$WORK/nimbus.out.err" &
    PIDS+=($!)
    NIMBUS_URL=$(wait_for_url "$WORK/nimbus.out" "nimbus listening on")
}

# create_function NAME WASM TIMEOUT: bundles WASM and creates NAME through
# the Lambda API (curl).
create_function() {
    local name=$1 wasm=$2 timeout=$3
    "$NIMBUS" bundle "$wasm" -o "$WORK/$name.zip" >/dev/null
    {
        printf '{"FunctionName":"%s","Runtime":"provided.al2023",' "$name"
        printf '"Role":"arn:aws:iam::000000000000:role/lambda-role","Handler":"function.wasm",'
        printf '"MemorySize":128,"Timeout":%s,"Code":{"ZipFile":"%s"}}' "$timeout" "$(base64 -w0 "$WORK/$name.zip")"
    } >"$WORK/create-$name.json"
    curl -sS --fail-with-body -m 60 -o "$WORK/created-$name.json" -X POST -H 'Content-Type: application/json' \
        --data-binary @"$WORK/create-$name.json" "$NIMBUS_URL/2015-03-31/functions" >&2 \
        || die "CreateFunction $name failed: $(cat "$WORK/created-$name.json" 2>/dev/null)"
}

# deploy_hello: builds the hello guest with clang, creates it as
# `bench-hello` and checks its answer; sets HELLO_URL (its Invoke URL).
deploy_hello() {
    clang --target=wasm32-wasi -O2 -Wl,--strip-all "$ROOT/sandbox/benches/guests/hello.c" -o "$WORK/hello.wasm" \
        || die "clang could not build sandbox/benches/guests/hello.c"
    create_function bench-hello "$WORK/hello.wasm" 10
    HELLO_URL=$NIMBUS_URL/2015-03-31/functions/bench-hello/invocations
    local answered
    answered=$(curl -sS --fail-with-body -m 30 -X POST -H 'Content-Type: application/json' --data-binary '{"warm":1}' \
        "$HELLO_URL") || die "Invoke failed: $answered"
    [[ $answered == '{"message":"hello"}' ]] || die "bench-hello answered '$answered'"
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

# bench NAME URL [SCRIPT]: one wrk run (with SCRIPT, default post.lua in
# the work directory); prints wrk's report and sets RESULT_NAME.
bench() {
    local name=$1 url=$2 script=${3:-$WORK/post.lua} out
    step "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $url"
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency --timeout 10s -s "$script" "$url")
    echo "$out" | sed "s/^/  [$name] /" >&2
    local line
    line=$(echo "$out" | grep '^BENCH ' | tail -1)
    [[ -n $line ]] || die "wrk printed no summary for $name"
    printf -v "RESULT_$name" '%s' "$line"
}

# field LINE KEY: the value of KEY=… in a BENCH line.
field() {
    echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
