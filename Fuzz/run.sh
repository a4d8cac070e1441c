#!/usr/bin/env bash
# Builds the fuzz targets (libFuzzer, `-sanitize=fuzzer`) and runs each for a fixed number of inputs.
# Prints runs and findings per target; exits non-zero when any target crashed (or failed to build or run).
#
#   Fuzz/run.sh                      # 100,000 runs per target
#   FUZZ_RUNS=20000 Fuzz/run.sh      # the CI smoke
#   FUZZ_TARGETS="FuzzPDJSON" FUZZ_RUNS=-1 FUZZ_SECONDS=3600 Fuzz/run.sh   # one target for an hour
#
# Seeds are read from Fuzz/corpus/<target>/ (committed, never written); what libFuzzer learns goes to
# Fuzz/.build/corpus/<target>/, crash inputs and logs to Fuzz/.build/findings/<time>/. See Docs/fuzzing.md.
set -uo pipefail
cd "$(dirname "$0")"

runs=${FUZZ_RUNS:-100000}
seconds=${FUZZ_SECONDS:-0}
targets=${FUZZ_TARGETS:-"FuzzPDJSON FuzzEtcdGatewayJSON FuzzExpositionText FuzzPrometheusAPIJSON FuzzTiKVLogLine FuzzEtcdLogLine FuzzOperatorYAML FuzzAlertmanagerPayload"}

start=$(date +%s)
if ! swift build -Xswiftc -sanitize=fuzzer; then
    echo "fuzz: build failed" >&2
    exit 2
fi
echo "fuzz: build took $(( $(date +%s) - start ))s"
bin=$(swift build -Xswiftc -sanitize=fuzzer --show-bin-path)

# libFuzzer must see the crash signal (and write the input) before Swift's backtracer takes the process.
export SWIFT_BACKTRACE=enable=no
failed=0
summary=()
findings=".build/findings/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$findings"
for target in $targets; do
    work=".build/corpus/$target"
    mkdir -p "$work"
    log="$findings/$target.log"
    t0=$(date +%s)
    args=(-runs="$runs" -max_len=65536 -timeout=30 -rss_limit_mb=4096 -print_final_stats=1
          -artifact_prefix="$findings/$target-" "$work" "corpus/$target")
    [ "$seconds" != 0 ] && args=(-max_total_time="$seconds" "${args[@]}")
    "$bin/$target" "${args[@]}" >"$log" 2>&1
    status=$?
    done_runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    crashes=$(ls "$findings/$target"-crash-* "$findings/$target"-timeout-* "$findings/$target"-oom-* 2>/dev/null | wc -l)
    line="$target: runs ${done_runs:-?}, exit $status, findings $crashes, $(( $(date +%s) - t0 ))s"
    summary+=("$line")
    echo "fuzz: $line"
    if [ $status -ne 0 ] || [ "$crashes" -ne 0 ]; then
        failed=1
        echo "fuzz: $target failed; last lines of $log:" >&2
        tail -n 40 "$log" >&2
    fi
done
echo "fuzz: total $(( $(date +%s) - start ))s"
printf '  %s\n' "${summary[@]}"
exit $failed
