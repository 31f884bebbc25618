#!/usr/bin/python3
"""The blog's MNIST network in plain PyTorch eager mode: LayerLab's speed
reference (bench mode) and an independent check of its accuracy (train
mode). Run it with Debian's python3-torch:

    /usr/bin/python3 bench/pytorch_peer.py bench --steps 200 --threads 1
    /usr/bin/python3 bench/pytorch_peer.py train --data ~/.local/share/layerlab/mnist

bench prints one JSON object with samples_per_second; train prints each
epoch's validation accuracy.
"""
import argparse
import json
import math
import os
import struct
import time

import torch
import torch.nn.functional as F
from torch import nn

BATCH = 64


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    _, _, kind, dims = struct.unpack(">BBBB", data[:4])
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


class SeedNet(nn.Module):
    """conv 32 2x2 same -> pool 2 -> conv 64 2x2 same -> pool 2 -> dense 1024
    relu -> dropout 0.2 -> dense 10, with TensorFlow's same padding (the odd
    pixel at the bottom and right) and TFlearn's initializers."""

    def __init__(self, dropout=0.2):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 2)
        self.conv2 = nn.Conv2d(32, 64, 2)
        self.fc1 = nn.Linear(7 * 7 * 64, 1024)
        self.fc2 = nn.Linear(1024, 10)
        self.dropout = dropout
        with torch.no_grad():
            for conv in (self.conv1, self.conv2):
                fan_in = conv.weight[0].numel()
                bound = math.sqrt(3.0 / fan_in)
                conv.weight.uniform_(-bound, bound)
                conv.bias.zero_()
            for fc in (self.fc1, self.fc2):
                nn.init.trunc_normal_(fc.weight, std=0.02, a=-0.04, b=0.04)
                fc.bias.zero_()

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(F.pad(x, (0, 1, 0, 1)))), 2)
        x = F.max_pool2d(F.relu(self.conv2(F.pad(x, (0, 1, 0, 1)))), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        x = F.dropout(x, self.dropout, self.training)
        return self.fc2(x)


def step(model, optimizer, images, labels):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    optimizer.step()
    return loss


def bench(args):
    torch.manual_seed(0)
    model = SeedNet()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    images = torch.rand(BATCH * 8, 1, 28, 28)
    labels = torch.randint(0, 10, (BATCH * 8,))
    for i in range(args.warmup):
        j = i % 8
        step(model, optimizer, images[j * BATCH:(j + 1) * BATCH], labels[j * BATCH:(j + 1) * BATCH])
    start = time.perf_counter()
    for i in range(args.steps):
        j = i % 8
        loss = step(model, optimizer, images[j * BATCH:(j + 1) * BATCH],
                    labels[j * BATCH:(j + 1) * BATCH])
        loss.item()
    seconds = time.perf_counter() - start
    print(json.dumps({"samples_per_second": args.steps * BATCH / seconds,
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))


def train(args):
    torch.manual_seed(args.seed)
    x = read_idx(os.path.join(args.data, "train-images-idx3-ubyte"))[:55000]
    y = read_idx(os.path.join(args.data, "train-labels-idx1-ubyte"))[:55000].long()
    xt = read_idx(os.path.join(args.data, "t10k-images-idx3-ubyte")).unsqueeze(1).float() / 255
    yt = read_idx(os.path.join(args.data, "t10k-labels-idx1-ubyte")).long()
    x = x.unsqueeze(1).float() / 255
    model = SeedNet(dropout=0.2 if not args.no_dropout else 0.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(x))
        start = time.perf_counter()
        for b in range(0, len(x), BATCH):
            idx = order[b:b + BATCH]
            step(model, optimizer, x[idx], y[idx])
        model.eval()
        with torch.no_grad():
            logits = torch.cat([model(xt[i:i + 1000]) for i in range(0, len(xt), 1000)])
            acc = (logits.argmax(1) == yt).float().mean().item()
            loss = F.cross_entropy(logits, yt).item()
        print(f"epoch {epoch}: val_loss {loss:.4f} val_acc {acc:.4f} "
              f"({time.perf_counter() - start:.1f} s)", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--steps", type=int, default=200)
    b.add_argument("--warmup", type=int, default=20)
    b.add_argument("--threads", type=int, default=1)
    t = sub.add_parser("train")
    t.add_argument("--data", default=os.path.expanduser("~/.local/share/layerlab/mnist"))
    t.add_argument("--epochs", type=int, default=5)
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--no-dropout", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    bench(args) if args.command == "bench" else train(args)


if __name__ == "__main__":
    main()
