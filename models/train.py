#!/usr/bin/python3
"""Trains qcc's bundled Fashion-MNIST models with Debian's PyTorch and exports them to ONNX.

Run once (./models/train.py [mlp cnn vit tiny], all by default; results of models not named are
kept); its outputs are committed: models/fashion_{mlp,cnn,vit,tiny}.onnx,
models/accuracy.json (PyTorch fp32 top-1 on the 10,000 test images and on the bundled
1,000-image subset) and data/fashion-mnist-subset/ (the first 1,000 test images and labels and
the first 1,024 training images and labels, for calibration, in the dataset's own IDX format).

Needs Debian packages python3-torch and dataset-fashion-mnist.
"""
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SUBSET = 1000
CALIBRATION_SUBSET = 1024


def read_idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        raw = f.read()
    magic, count = struct.unpack(">II", raw[:8])
    if magic == 0x803:
        rows, cols = struct.unpack(">II", raw[8:16])
        return np.frombuffer(raw, np.uint8, offset=16).reshape(count, rows, cols), raw
    return np.frombuffer(raw, np.uint8, offset=8), raw


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class Tiny(nn.Module):
    """An MLP small enough for an iCE40 UP5K: its 784 x 32 int4 weights fit the block RAM."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


def conv_bn(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout))


class Cnn(nn.Module):
    """Conv-BN-ReLU-pool blocks, one residual block, global pooling and a Gemm classifier."""

    def __init__(self):
        super().__init__()
        self.block1 = conv_bn(1, 16)
        self.block2 = conv_bn(16, 32)
        self.res_a = conv_bn(32, 32)
        self.res_b = conv_bn(32, 32)
        self.block3 = conv_bn(32, 64)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.block1(x)), 2)
        x = F.max_pool2d(F.relu(self.block2(x)), 2)
        y = F.relu(self.res_a(x))
        x = F.relu(x + self.res_b(y))
        x = F.relu(self.block3(x))
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, 2 * dim)
        self.fc2 = nn.Linear(2 * dim, dim)

    def forward(self, x):
        n, t, d = x.shape
        h = self.heads
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q = q.reshape(n, t, h, d // h).transpose(1, 2)
        k = k.reshape(n, t, h, d // h).transpose(1, 2)
        v = v.reshape(n, t, h, d // h).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(2, 3) / (d // h) ** 0.5, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(n, t, d)
        x = x + self.proj(y)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class Vit(nn.Module):
    """A small patch transformer: 7x7 patches, 2 blocks of LayerNorm, attention and GELU MLP."""

    def __init__(self, dim=64, heads=4, depth=2):
        super().__init__()
        self.patch = nn.Conv2d(1, dim, 7, stride=7)
        self.pos = nn.Parameter(torch.zeros(1, 16, dim))
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(depth)])
        self.ln = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 10)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2) + self.pos
        for b in self.blocks:
            x = b(x)
        return self.head(self.ln(x).mean(dim=1))


def accuracy(model, images, labels):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(images), 500):
            correct += (model(images[i : i + 500]).argmax(1) == labels[i : i + 500]).sum().item()
    return correct / len(images)


def train(model, images, labels, epochs, lr):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=epochs * (len(images) // 128))
    gen = torch.Generator().manual_seed(0)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(images), generator=gen)
        for i in range(0, len(images) - 127, 128):
            idx = perm[i : i + 128]
            loss = F.cross_entropy(model(images[idx]), labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        print(f"  epoch {epoch + 1}/{epochs} loss {loss.item():.3f}", flush=True)


def main():
    torch.manual_seed(0)
    torch.set_num_threads(os.cpu_count())
    train_x, _ = read_idx("train-images-idx3-ubyte.gz")
    train_y, _ = read_idx("train-labels-idx1-ubyte.gz")
    test_x, test_raw_x = read_idx("t10k-images-idx3-ubyte.gz")
    test_y, test_raw_y = read_idx("t10k-labels-idx1-ubyte.gz")
    to_t = lambda a: torch.tensor(a, dtype=torch.float32).unsqueeze(1) / 255.0
    tx, ty = to_t(train_x), torch.tensor(train_y, dtype=torch.long)
    vx, vy = to_t(test_x), torch.tensor(test_y, dtype=torch.long)

    subset_dir = os.path.join(ROOT, "data", "fashion-mnist-subset")
    os.makedirs(subset_dir, exist_ok=True)
    _, train_raw_x = read_idx("train-images-idx3-ubyte.gz")
    _, train_raw_y = read_idx("train-labels-idx1-ubyte.gz")
    for split, raw_x, raw_y, n in [("t10k", test_raw_x, test_raw_y, SUBSET), ("train", train_raw_x, train_raw_y, CALIBRATION_SUBSET)]:
        with gzip.GzipFile(os.path.join(subset_dir, f"{split}-images-idx3-ubyte.gz"), "wb", mtime=0) as f:
            f.write(struct.pack(">IIII", 0x803, n, 28, 28) + raw_x[16 : 16 + n * 784])
        with gzip.GzipFile(os.path.join(subset_dir, f"{split}-labels-idx1-ubyte.gz"), "wb", mtime=0) as f:
            f.write(struct.pack(">II", 0x801, n) + raw_y[8 : 8 + n])

    path = os.path.join(HERE, "accuracy.json")
    results = {}
    if len(sys.argv) > 1 and os.path.exists(path):
        with open(path) as f:
            results = json.load(f)
    # Every model is built, in this order, so each one's initial weights do not depend on which are trained.
    models = [
        ("mlp", Mlp(), 6, 2e-3),
        ("cnn", Cnn(), 4, 4e-3),
        ("vit", Vit(), 8, 3e-3),
        ("tiny", Tiny(), 6, 3e-3),
    ]
    for name, model, epochs, lr in models:
        if len(sys.argv) > 1 and name not in sys.argv[1:]:
            continue
        print(f"training {name}", flush=True)
        train(model, tx, ty, epochs, lr)
        model.eval()
        acc = accuracy(model, vx, vy)
        sub = accuracy(model, vx[:SUBSET], vy[:SUBSET])
        print(f"  {name}: test {acc:.4f} subset {sub:.4f}", flush=True)
        results[name] = {"test_top1": acc, "subset_top1": sub, "epochs": epochs}
        torch.onnx.export(
            model,
            vx[:1],
            os.path.join(HERE, f"fashion_{name}.onnx"),
            input_names=["input"],
            output_names=["logits"],
            dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
            opset_version=17,
            do_constant_folding=True,
        )
    results["_"] = {"framework": f"torch {torch.__version__}", "test_images": len(vx), "subset_images": SUBSET}
    with open(path, "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
