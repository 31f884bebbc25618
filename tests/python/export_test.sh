#!/bin/bash
# Trains a short run with layerlab-cli, exports it for PyTorch, and has
# Debian's python3-torch reproduce LayerLab's predictions on 100 test images.
# usage: export_test.sh LAYERLAB_CLI SOURCE_DIR
set -euo pipefail
cli=$1
source_dir=$2
python=/usr/bin/python3  # Debian's, with python3-torch; not a virtualenv's
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! "$python" -c "import torch" 2>/dev/null; then
    echo "FAIL: $python cannot import torch; install Debian's python3-torch (scripts/lib/setup.sh)" >&2
    exit 1
fi
mnist=""
for dir in "${LAYERLAB_DATA:-}" "${LAYERLAB_DATA:-}/mnist" \
           "${XDG_DATA_HOME:-$HOME/.local/share}/layerlab/mnist"; do
    if [ -n "$dir" ] && ls "$dir"/t10k-images* >/dev/null 2>&1; then mnist=$dir; break; fi
done
if [ -z "$mnist" ]; then
    echo "FAIL: MNIST not found (run scripts/fetch-data)" >&2
    exit 1
fi

"$cli" train --config "$source_dir/resources/presets/seed-dropout.json" --epochs 1 \
    --limit-train 1000 --device cpu --seed 7 --out "$work/run" --data "$mnist" >/dev/null
"$cli" export --run "$work/run" --to "$work/weights.pt" --torchscript "$work/model.ts" \
    --predictions "$work/predictions.csv" --count 100 --data "$mnist"
"$python" "$source_dir/tests/python/check_export.py" "$work/run/config.json" \
    "$work/weights.pt" "$work/model.ts" "$work/predictions.csv" "$mnist"
