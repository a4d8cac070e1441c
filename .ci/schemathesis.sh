#!/usr/bin/env bash
# schemathesis against a live `operator serve` (README: Run it as a service): the binary watches `operator simulate` with
# store-down on store:2, with an API token; every generated request must get no 5xx and an answer that
# conforms to /api/v1/openapi.json. Everything started here is stopped by PID on exit.
# Usage: .ci/schemathesis.sh path/to/operator [max-examples]
set -euo pipefail
operator=${1:?usage: .ci/schemathesis.sh path/to/operator [max-examples]}
examples=${2:-30}
work=$(mktemp -d /tmp/operator-schemathesis.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 1
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

wait_for() {  # file, pattern, what
    for _ in $(seq 1 600); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "schemathesis: timed out waiting for $3" >&2
    cat "$1" >&2 || true
    exit 1
}

"$operator" simulate run --port 0 --time-scale 20 --json >"$work/simulate.out" 2>"$work/simulate.err" &
pids+=($!)
wait_for "$work/simulate.out" '"control_url"' "the simulator"
read -r pd control < <(python3 -c '
import json, sys
text = open(sys.argv[1]).read()
o = json.loads(text[: text.index("\n}") + 2])
print(",".join(o["pd_urls"]), o["control_url"].rsplit(":", 1)[1].rstrip("/"))' "$work/simulate.out")
"$operator" simulate fault store-down store:2 --port "$control"

token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
OPERATOR_API_TOKEN=$token "$operator" serve --subject tikv --endpoints "$pd" --interval 500ms --listen 127.0.0.1:0 \
    --db "$work/operator.db" --diagnose offline >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
wait_for "$work/serve.out" '^serving http://' "operator serve"
base=$(sed -n 's/^serving //p' "$work/serve.out" | head -1)
for _ in $(seq 1 300); do
    curl -fsS "$base/readyz" >/dev/null 2>&1 && break
    sleep 0.2
done
# An incident to act on, so the POST routes reach their handlers with real ids too.
for _ in $(seq 1 300); do
    curl -fsS "$base/api/v1/incidents" | grep -q '"store:2"' && break
    sleep 0.2
done

st run "$base/api/v1/openapi.json" --url "$base" -H "Authorization: Bearer $token" \
    --checks all --max-examples "$examples" --no-color || status=$?
status=${status:-0}
if grep -q "$token" "$work/serve.err" "$work/serve.out"; then
    echo "schemathesis: the API token appeared in serve's output" >&2
    exit 1
fi
exit $status
