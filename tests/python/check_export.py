"""Loads LayerLab's exported weights with Debian's python3-torch and checks
that the PyTorch module of docs/layerlab_net.py (and the TorchScript export)
predicts what LayerLab predicted on the first test images.

usage: check_export.py CONFIG_JSON WEIGHTS TORCHSCRIPT PREDICTIONS_CSV MNIST_DIR
"""
import csv
import gzip
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "docs"))
from layerlab_net import LayerLabNet  # noqa: E402


def read_images(directory, count):
    for name in ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"):
        for suffix, opener in (("", open), (".gz", gzip.open)):
            path = os.path.join(directory, name + suffix)
            if os.path.exists(path):
                with opener(path, "rb") as f:
                    data = f.read()
                rows, cols = int.from_bytes(data[8:12], "big"), int.from_bytes(data[12:16], "big")
                pixels = np.frombuffer(data, np.uint8, count * rows * cols, offset=16)
                return torch.from_numpy(pixels.astype(np.float32) / 255.0).reshape(
                    count, 1, rows, cols)
    sys.exit(f"no MNIST test images in {directory}")


def main():
    config_path, weights_path, script_path, predictions_path, mnist_dir = sys.argv[1:6]
    config = json.load(open(config_path))
    with open(predictions_path) as f:
        expected = [(int(r["label"]), float(r["probability"])) for r in csv.DictReader(f)]
    images = read_images(mnist_dir, len(expected))

    state = torch.load(weights_path)
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        sys.exit(f"{weights_path}: not a dict of tensors but {type(state)}")
    net = LayerLabNet(config)
    missing, unexpected = net.load_state_dict(state, strict=True), None
    net.eval()
    with torch.no_grad():
        probabilities = torch.softmax(net(images), dim=1)
        scripted = torch.softmax(torch.jit.load(script_path)(images), dim=1)

    failures = 0
    for name, result in (("state dict", probabilities), ("TorchScript", scripted)):
        best, labels = result.max(dim=1)
        for i, (label, probability) in enumerate(expected):
            if labels[i].item() != label or abs(best[i].item() - probability) > 1e-4:
                failures += 1
                print(f"{name}: image {i}: PyTorch says {labels[i].item()} "
                      f"({best[i].item():.6f}), LayerLab said {label} ({probability:.6f})")
    if failures:
        sys.exit(f"{failures} predictions differ")
    print(f"PyTorch {torch.__version__} reproduces LayerLab's predictions on "
          f"{len(expected)} test images (state dict keys: {', '.join(list(state)[:4])}, ...)")


if __name__ == "__main__":
    main()
