#!/usr/bin/env bash
# Every kind of bad input through layerlab-cli: one message on stderr naming
# the file (or layer and field) and the fault, exit code 1, and no crash
# ("terminate called", a signal, a sanitizer report).
# Usage: cli_bad_input_test.sh PATH_TO_LAYERLAB_CLI SOURCE_DIR
set -uo pipefail
cli=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
passed=0
seed=$src/resources/presets/seed-dropout.json

# refused NAME PATTERN -- COMMAND...: COMMAND must exit 1 with PATTERN
# (grep -E) on stderr and nothing that looks like a crash.
refused() {
    local name=$1 pattern=$2
    shift 3
    local err rc
    err=$("$@" 2>&1 >/dev/null)
    rc=$?
    if [ "$rc" -ne 1 ] || ! grep -qE -- "$pattern" <<<"$err" ||
        grep -qE "terminate called|Segmentation|core dumped|Aborted|Sanitizer|runtime error:" <<<"$err"; then
        echo "FAIL $name: exit $rc (wanted 1), stderr:"
        echo "$err" | tail -20
        failures=$((failures + 1))
    else
        echo "ok   $name"
        passed=$((passed + 1))
    fi
}

# IDX files written with printf: a big-endian 32-bit number.
be32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }
images() { # COUNT [PIXEL_BYTES]
    be32 2051; be32 "$1"; be32 28; be32 28
    head -c "${2:-$(($1 * 784))}" /dev/zero
}
labels() { # LABEL...
    be32 2049; be32 $#
    for label in "$@"; do printf "\\x$(printf %02x "$label")"; done
}
tiny_dataset() { # DIR: ten images and labels per split
    mkdir -p "$1"
    for split in train t10k; do
        images 10 >"$1/$split-images-idx3-ubyte"
        labels 0 1 2 3 4 5 6 7 8 9 >"$1/$split-labels-idx1-ubyte"
    done
}
# A tiny dataset with FILE replaced by stdin; prints the folder.
broken() { # NAME FILE
    tiny_dataset "$work/$1"
    cat >"$work/$1/$2"
    echo "$work/$1"
}
train() { # DATA_DIR [more arguments]
    local data=$1
    shift
    "$cli" train --config "$seed" --data "$data" --out "$work/run-$RANDOM" --threads 1 \
        --device cpu "$@"
}

# --- Bad data --------------------------------------------------------------
d=$(images 10 | head -c 4000 | broken truncated train-images-idx3-ubyte)
refused "truncated file" "^error: $d/train-images-idx3-ubyte: .*truncated" -- train "$d"
d=$(broken empty t10k-labels-idx1-ubyte </dev/null)
refused "empty file" "^error: $d/t10k-labels-idx1-ubyte: the file is empty" -- train "$d"
d=$({ be32 1234; images 10 | tail -c +5; } | broken magic train-images-idx3-ubyte)
refused "wrong magic number" "$d/train-images-idx3-ubyte: wrong magic number 0x4d2" -- train "$d"
d=$(labels 1 2 3 | broken swapped train-images-idx3-ubyte)
refused "labels file where images are expected" \
    "$d/train-images-idx3-ubyte: this is an IDX labels file, but images were expected" -- train "$d"
d=$(labels 1 2 3 | broken counts t10k-labels-idx1-ubyte)
refused "image and label counts disagree" \
    "$d/t10k-labels-idx1-ubyte: holds 3 labels but t10k-images-idx3-ubyte holds 10 images" -- train "$d"
d=$(images 3000000000 7840 | broken billions train-images-idx3-ubyte)
refused "header claiming billions of images" "$d/train-images-idx3-ubyte: the header promises" -- train "$d"
d=$(images 0 | broken zero train-images-idx3-ubyte)
refused "header claiming zero rows" "$d/train-images-idx3-ubyte: the header describes no data" -- train "$d"
d=$(labels 0 1 2 3 4 5 6 7 8 42 | broken range train-labels-idx1-ubyte)
refused "label out of range" "$d/train-labels-idx1-ubyte: label 42 at index 9 is out of range" -- train "$d"
# Noise pixels, so that the compressed stream is long enough to cut.
{ be32 2051; be32 10; be32 28; be32 28; head -c 7840 /dev/urandom; } | gzip -c >"$work/full.gz"
d=$(head -c $(($(stat -c %s "$work/full.gz") / 2)) "$work/full.gz" | broken gzipcut train-images-idx3-ubyte)
refused "gzip cut short" "$d/train-images-idx3-ubyte: .*gzip" -- train "$d"
d=$(broken missing t10k-images-idx3-ubyte </dev/null)
rm "$d/t10k-images-idx3-ubyte"
refused "missing file" "^error: $d/t10k-images-idx3-ubyte: file not found" -- train "$d"
d=$(printf '<!DOCTYPE html>\n<html><body>404</body></html>\n' | broken html train-images-idx3-ubyte)
refused "HTML page saved as a dataset file" \
    "$d/train-images-idx3-ubyte: .*it is an HTML page, not an IDX file" -- train "$d"
mnist=${LAYERLAB_DATA:-${XDG_DATA_HOME:-$HOME/.local/share}/layerlab}/mnist
if [ -f "$mnist/train-images-idx3-ubyte" ] || [ -f "$mnist/train-images-idx3-ubyte.gz" ]; then
    sed 's/"dataset": "mnist"/"dataset": "fashion-mnist"/' "$seed" >"$work/fashion.json"
    refused "MNIST where Fashion-MNIST is expected" \
        "train-images-idx3-ubyte: this is MNIST's train-images file, but Fashion-MNIST was expected" -- \
        "$cli" train --config "$work/fashion.json" --data "$mnist" --out "$work/fashion-run" \
        --threads 1 --device cpu
else
    echo "FAIL MNIST where Fashion-MNIST is expected: MNIST not found in $mnist (scripts/fetch-data)"
    failures=$((failures + 1))
fi

# --- Bad experiments -------------------------------------------------------
exp() { # NAME: writes stdin to $work/NAME.json and prints the path
    cat >"$work/$1.json"
    echo "$work/$1.json"
}
validate() { "$cli" validate --config "$1"; }
layer3() { # JSON of layer 3 of the seed network, replacing its second conv
    python3 - "$seed" "$1" <<'EOF'
import json, sys
spec = json.load(open(sys.argv[1]))
spec["model"]["layers"][2] = json.loads(sys.argv[2])
print(json.dumps(spec, indent=2))
EOF
}
training() { # KEY VALUE_JSON: the seed network with one training field set
    sed -E "s/(\"$1\": )[^,}]*/\1$2/" "$seed"
}
f=$(printf '{\n  "dataset": "mnist",\n  "model": {\n' | exp syntax)
refused "JSON syntax error with line and column" "^error: $f:[0-9]+:[0-9]+: JSON syntax error" -- validate "$f"
f=$(exp empty </dev/null)
refused "empty experiment file" "^error: $f: the file is empty" -- validate "$f"
f=$(head -c 300 /bin/sh | exp binary)
refused "binary experiment file" "^error: $f: this is a binary file" -- validate "$f"
f=$(sed 's/"threads": 0/"threads": 500/' "$seed" | exp threads)
refused "threads beyond any machine" "training: field 'threads' is 500; it must be 0 \(automatic\) up to 256" -- validate "$f"
f=$(layer3 '{"type": "conv3d", "filters": 8}' | exp kind)
refused "unknown layer kind" "layer 3: field 'type': unknown layer kind \"conv3d\"" -- validate "$f"
f=$(layer3 '{"type": "conv2d", "filters": "64", "kernel": 2}' | exp type)
refused "wrong type" "layer 3 \(conv2d\): field 'filters' must be an integer, got a string" -- validate "$f"
f=$(layer3 '{"type": "conv2d", "filters": -64, "kernel": 2}' | exp negative)
refused "negative size" "layer 3 \(conv2d\): field 'filters' must be at least 1, got -64" -- validate "$f"
f=$(layer3 '{"type": "conv2d", "filters": 64, "kernel": 0}' | exp zero)
refused "zero size" "layer 3 \(conv2d\): field 'kernel' must be at least 1, got 0" -- validate "$f"
f=$(layer3 '{"type": "conv2d", "filters": 64, "kernel": 20, "padding": "valid"}' | exp bigkernel)
refused "kernel larger than its input" \
    "layer 3 \(conv2d\): field 'kernel': 20x20 is larger than its 14x14 input" -- validate "$f"
f=$(layer3 '{"type": "dropout", "rate": 1.5}' | exp dropout)
refused "dropout rate outside [0, 1)" "layer 3 \(dropout\): field 'rate': must be in \[0, 1\)" -- validate "$f"
for lr in 0 -0.5; do
    f=$(training learning_rate "$lr" | exp "lr$lr")
    refused "learning rate $lr" "training: field 'learning_rate' must be a finite number above 0" -- \
        validate "$f"
done
# JSON has no Infinity; 1e999 is past double's range and refused where it is.
f=$(training learning_rate 1e999 | exp "lr1e999")
refused "learning rate 1e999" "^error: $f:[0-9]+:[0-9]+: the number 1e999 is too large" -- validate "$f"
f=$(training batch_size 0 | exp batch)
refused "batch size 0" "training: field 'batch_size' must be at least 1" -- validate "$f"
refused "learning rate 1e999 refused by train too" "the number 1e999 is too large" -- \
    "$cli" train --config "$work/lr1e999.json" --data "$work" --out "$work/lr-run"

# --- Bad checkpoints -------------------------------------------------------
tiny_dataset "$work/tiny"
"$cli" train --config "$seed" --data "$work/tiny" --out "$work/good" --threads 1 --device cpu \
    --epochs 1 >/dev/null 2>&1
good=$work/good/checkpoint.pt
if [ -s "$good" ]; then
    resume() { train "$work/tiny" --epochs 2 --resume "$1"; }
    : >"$work/zero.pt"
    refused "zero-byte checkpoint" "$work/zero.pt: the file is empty" -- resume "$work/zero.pt"
    head -c $(($(stat -c %s "$good") / 2)) "$good" >"$work/half.pt"
    refused "checkpoint cut in half" "$work/half.pt: not a readable checkpoint" -- resume "$work/half.pt"
    cp "$seed" "$work/json.pt"
    refused "another file type renamed" "$work/json.pt: not a readable checkpoint" -- \
        resume "$work/json.pt"
    layer3 '{"type": "conv2d", "filters": 16, "kernel": 2}' >"$work/other.json"
    "$cli" train --config "$work/other.json" --data "$work/tiny" --out "$work/other" --threads 1 \
        --device cpu --epochs 1 >/dev/null 2>&1
    refused "checkpoint of another architecture" \
        "$work/other/checkpoint.pt: was saved from another architecture: layer 3 is conv2d 16 2x2 there" -- \
        "$cli" train --config "$seed" --data "$work/tiny" --out "$work/refused" --threads 1 \
        --device cpu --epochs 2 --resume "$work/other/checkpoint.pt"
    # Refused before its first step: no run folder is left to block --out.
    if [ ! -e "$work/refused" ]; then
        echo "ok   a run refused at its start leaves no folder"
        passed=$((passed + 1))
    else
        echo "FAIL a run refused at its start left $(ls "$work/refused")"
        failures=$((failures + 1))
    fi
    # A run folder without a checkpoint (stopped or failed in its first
    # epoch): both ways of reusing it say why neither works.
    mkdir -p "$work/early"
    cp "$seed" "$work/early/config.json"
    refused "resuming a run that ended in its first epoch" "no checkpoint to resume from" -- \
        resume "$work/early"
    refused "reusing the folder of a run that ended in its first epoch" \
        "ended before its first epoch finished.*delete $work/early" -- \
        "$cli" train --config "$seed" --data "$work/tiny" --out "$work/early" --device cpu
    # A run folder resumed in place keeps its own settings: other ones are
    # refused by name, and leaving --config out takes the run's own.
    refused "resuming with another training-set size" \
        "training.train_limit \(the run's 55000, asked 5\)" -- \
        "$cli" train --config "$seed" --data "$work/tiny" --resume "$work/good" --epochs 2 \
        --limit-train 5 --threads 1 --device cpu
    refused "resuming without --config but with another seed" \
        "training.seed \(the run's 8, asked 9\)" -- \
        "$cli" train --data "$work/tiny" --resume "$work/good" --epochs 2 --seed 9 --threads 1 \
        --device cpu
    narrower=$(layer3 '{"type": "conv2d", "name": "conv2", "filters": 32, "kernel": 2, "padding": "same", "activation": "relu"}' | exp narrower)
    refused "resuming with a narrower second convolution" \
        "model.layers\[2\] \(conv2\): filters \(the run's 64, asked 32\)" -- \
        "$cli" train --config "$narrower" --data "$work/tiny" --resume "$work/good" --epochs 2 \
        --threads 1 --device cpu
    echo "not a folder" >"$work/plainfile"
    refused "--out under a plain file" "$work/plainfile is a file, not a folder" -- \
        "$cli" train --config "$seed" --data "$work/tiny" --out "$work/plainfile/run" --device cpu
    mkdir -p "$work/mine"
    echo "keep me" >"$work/mine/notes.txt"
    refused "--out into a folder holding other files" "$work/mine is not empty and holds no run" -- \
        "$cli" train --config "$seed" --data "$work/tiny" --out "$work/mine" --device cpu
    # A folder another process is training into is not written twice.
    "$cli" train --config "$seed" --data "$work/tiny" --out "$work/busy" --epochs 100000 \
        --threads 1 --device cpu >/dev/null 2>&1 &
    busy=$!
    # Its first epoch's end (a checkpoint to resume), on a loaded machine too.
    for _ in $(seq 1200); do
        [ -s "$work/busy/summary.json" ] && break
        sleep 0.1
    done
    if [ ! -s "$work/busy/summary.json" ]; then
        echo "FAIL the busy run wrote no summary within 2 minutes"
        failures=$((failures + 1))
    fi
    refused "resuming a run another process is training" \
        "$work/busy is being trained right now by process $busy on this machine" -- \
        "$cli" train --data "$work/tiny" --resume "$work/busy" --epochs 200000 --threads 1 \
        --device cpu
    refused "training into a folder another process is training" "is being trained right now" -- \
        "$cli" train --config "$seed" --data "$work/tiny" --out "$work/busy" --device cpu
    kill "$busy"
    wait "$busy" 2>/dev/null
    err=$("$cli" train --data "$work/tiny" --epochs 1 2>&1 >/dev/null)
    if [ $? -eq 2 ] && grep -q "train needs --config FILE" <<<"$err"; then
        echo "ok   train without --config or a run folder is a usage error"
        passed=$((passed + 1))
    else
        echo "FAIL train without --config: $err"
        failures=$((failures + 1))
    fi
    refused "resuming what is not there" "--resume $work/none: no such run folder or checkpoint" -- \
        "$cli" train --data "$work/tiny" --resume "$work/none" --epochs 1
    if "$cli" train --data "$work/tiny" --resume "$work/good" --epochs 2 --threads 1 \
        --device cpu >/dev/null 2>&1 && grep -q '"epochs": 2' "$work/good/summary.json"; then
        echo "ok   resuming a run folder without --config uses its own"
        passed=$((passed + 1))
    else
        echo "FAIL resuming $work/good without --config"
        failures=$((failures + 1))
    fi
    # Resumed into a new folder, the run's curves and history come along.
    if "$cli" train --data "$work/tiny" --resume "$work/good" --out "$work/fork" --epochs 3 \
        --threads 1 --device cpu >/dev/null 2>&1 &&
        grep -q '"epochs": 3' "$work/fork/summary.json" &&
        [ "$(cut -d, -f2 "$work/fork/metrics.csv" | sort -u | grep -c '^[123]$')" -eq 3 ]; then
        echo "ok   a run resumed into a new folder carries its earlier epochs"
        passed=$((passed + 1))
    else
        echo "FAIL resuming $work/good into $work/fork: $(head -c 300 "$work/fork/summary.json")"
        failures=$((failures + 1))
    fi
else
    echo "FAIL could not train the tiny run the checkpoint cases start from"
    failures=$((failures + 1))
fi

# The benchmark's --json file is checked before minutes of measuring.
refused "bench --json into a missing folder" "$work/none/b.json: cannot be written: the folder" -- \
    "$cli" bench --no-python --steps 5 --json "$work/none/b.json"
refused "bench --json onto a folder" "$work: is a folder" -- \
    "$cli" bench --no-python --steps 5 --json "$work"

# Command-line values out of range are refused by the argument parser (exit
# code 2), naming the option, before anything runs.
for case in "--seed -1" "--seed 99999999999999999999" "--threads 500" "--epochs 0" "--epochs -1" "--limit-train 2.5"; do
    err=$("$cli" train --config "$seed" $case 2>&1 >/dev/null)
    rc=$?
    if [ "$rc" -eq 2 ] && grep -q -- "${case%% *}: Value" <<<"$err"; then
        echo "ok   train $case refused"
        passed=$((passed + 1))
    else
        echo "FAIL train $case: exit $rc, stderr: $err"
        failures=$((failures + 1))
    fi
done

echo "$passed passed, $failures failed"
[ "$failures" -eq 0 ]
