#!/usr/bin/env bash
# layerlab-cli as a user runs it: exit codes, messages and the run folder.
# Usage: cli_test.sh PATH_TO_LAYERLAB_CLI SOURCE_DIR
set -uo pipefail
cli=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
passed=0

# check NAME EXPECTED_RC PATTERN -- COMMAND...: runs COMMAND, expects the
# exit code and PATTERN (grep -E) somewhere in stdout+stderr.
check() {
    local name=$1 want_rc=$2 pattern=$3
    shift 4
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -ne "$want_rc" ] || ! grep -qE -- "$pattern" <<<"$out"; then
        echo "FAIL $name: exit $rc (wanted $want_rc), output:"
        echo "$out" | tail -20
        failures=$((failures + 1))
    else
        echo "ok   $name"
        passed=$((passed + 1))
    fi
}

check "validate prints the seed table" 0 "3,230,954" -- \
    "$cli" validate --config "$src/resources/presets/seed-dropout.json"
check "validate names the bad layer and field" 1 "layer 5 \(conv2d\): field 'kernel': 9x9 is larger than its 7x7 input" -- \
    "$cli" validate --config "$src/tests/data/bad-kernel.json"
check "syntax error gives file, line and column" 1 "syntax-error.json:3:[0-9]+: JSON syntax error" -- \
    "$cli" validate --config "$src/tests/data/syntax-error.json"
check "missing config is named" 2 "File does not exist: $work/none.json" -- \
    "$cli" validate --config "$work/none.json"
check "unknown subcommand is named" 2 "unknown command 'frobnicate'; the commands are train" -- \
    "$cli" frobnicate
check "no subcommand is refused" 2 "A subcommand is required" -- \
    "$cli"
mkdir -p "$work/empty"
check "missing dataset says where it looked" 1 "^  $work/empty/mnist$" -- \
    "$cli" train --config "$src/resources/presets/seed-dropout.json" --data "$work/empty" --out "$work/nodata"
check "short training run on real MNIST" 0 "val_acc 0\.[0-9]+" -- \
    "$cli" train --config "$src/resources/presets/seed-dropout.json" --epochs 1 --limit-train 640 \
    --threads 1 --device cpu --out "$work/run"
for file in config.json metrics.csv summary.json checkpoint.pt; do
    check "run folder holds $file" 0 "^" -- test -s "$work/run/$file"
done
check "summary has the validation accuracy" 0 '"val_accuracy": 0\.' -- cat "$work/run/summary.json"
check "environment card has the dataset's checksums" 0 '"dataset_checksums": "t10k-images-idx3-ubyte crc32 [0-9a-f]{8}' -- cat "$work/run/summary.json"
check "metrics has one row per step plus validation" 0 "^11$" -- \
    bash -c "tail -n +2 '$work/run/metrics.csv' | wc -l"

# Without --out a run goes to $LAYERLAB_RUNS, and the experiment's name
# cannot lead it out of there.
sed 's|"name": "seed-dropout"|"name": "../../escape"|' "$src/resources/presets/seed-dropout.json" \
    >"$work/escape.json"
check "a run without --out goes under LAYERLAB_RUNS" 0 "run written to $work/runs/escape-" -- \
    env LAYERLAB_RUNS="$work/runs" "$cli" train --config "$work/escape.json" --epochs 1 \
    --limit-train 64 --threads 1 --device cpu
check "an experiment name with .. stays inside the runs folder" 0 "^escape-[0-9]{8}-[0-9]{6}$" -- \
    ls "$work/runs"

echo "$passed passed, $failures failed"
[ "$failures" -eq 0 ]
