#!/usr/bin/env bash
# Builds every example (scripts/build-guests.sh), then invokes each bundle
# with `nimbus run` on its sample events and compares the response with the
# expected one, exactly:
#   examples/<name>/event.json              -> examples/<name>/expected.json
#   examples/<name>/cases/<case>.event.json -> examples/<name>/cases/<case>.expected.json
# An expected response holding "errorType" is a function error: nimbus run
# must then exit 1 (else 0). Then deploys each bundle to `nimbus serve` and
# invokes it with boto3 (tests/e2e/examples_boto3.py): python3 must import
# boto3 (.ci/run puts the virtualenv .venv first on PATH). `nimbus run`
# caches compiled code in a directory of this run's own, removed at the end.
# Prints "N passed, M failed"; exits 1 on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

python3 -c "import boto3" 2>/dev/null || {
    echo "test-examples: python3 cannot import boto3: python3 -m venv .venv &&" \
        ".venv/bin/pip install -r tests/e2e/requirements.txt, then PATH=\"\$PWD/.venv/bin:\$PATH\"" >&2
    exit 1
}

bash scripts/build-guests.sh
NIMBUS=${NIMBUS:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/nimbus}
BUNDLES=$ROOT/examples/target/bundles

passed=0
failed=0
log=$(mktemp)
run_cache=$(mktemp -d)
trap 'rm -rf "$log" "$run_cache"' EXIT

# check NAME BUNDLE EVENT EXPECTED
check() {
    local name=$1 bundle=$2 event=$3 expected_file=$4
    local expected actual status=0 expected_status=0
    expected=$(cat "$expected_file")
    grep -q '"errorType"' "$expected_file" && expected_status=1
    actual=$("$NIMBUS" run --data-dir "$run_cache" "$bundle" --event "$event" 2>"$log") || status=$?
    if [ "$actual" == "$expected" ] && [ "$status" -eq "$expected_status" ]; then
        echo "ok     $name"
        passed=$((passed + 1))
    else
        echo "FAILED $name: exit status $status (expected $expected_status)"
        diff -u --label "$expected_file" --label "nimbus run $bundle --event $event" \
            <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") || true
        echo "--- log (stderr):"
        cat "$log"
        failed=$((failed + 1))
    fi
}

echo "== test-examples: invoking each bundle with nimbus run"
for dir in "$ROOT"/examples/*/; do
    dir=${dir%/}
    example=$(basename "$dir")
    [ -f "$dir/event.json" ] || continue
    bundle=$BUNDLES/$example.zip
    check "$example" "$bundle" "$dir/event.json" "$dir/expected.json"
    for event in "$dir"/cases/*.event.json; do
        [ -e "$event" ] || continue
        case_name=$(basename "$event" .event.json)
        check "$example/$case_name" "$bundle" "$event" "$dir/cases/$case_name.expected.json"
    done
done

echo "== test-examples: deploying each bundle to nimbus serve and invoking it with boto3"
data=$(mktemp -d)
server_out=$(mktemp)
"$NIMBUS" serve --listen 127.0.0.1:0 --data-dir "$data" >"$server_out" 2>"$log" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$data" "$server_out" "$log" "$run_cache"' EXIT
endpoint=
for _ in $(seq 1 300); do
    endpoint=$(sed -n 's/^nimbus listening on //p' "$server_out")
    [ -n "$endpoint" ] && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$endpoint" ]; then
    echo "FAILED nimbus serve did not start:"
    cat "$log"
    failed=$((failed + 1))
else
    boto3_out=$(mktemp)
    status=0
    python3 "$ROOT/tests/e2e/examples_boto3.py" --endpoint "$endpoint" \
        --examples "$ROOT/examples" --bundles "$BUNDLES" | tee "$boto3_out" || status=$?
    passed=$((passed + $(grep -c '^ok ' "$boto3_out" || true)))
    failed=$((failed + $(grep -c '^FAILED ' "$boto3_out" || true)))
    if [ "$status" -ne 0 ] && ! grep -q '^FAILED ' "$boto3_out"; then
        echo "FAILED the boto3 deployment script exited with $status"
        failed=$((failed + 1))
    fi
    rm -f "$boto3_out"
    kill -TERM "$server"
    wait "$server" || { echo "FAILED nimbus serve did not exit cleanly"; failed=$((failed + 1)); }
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
