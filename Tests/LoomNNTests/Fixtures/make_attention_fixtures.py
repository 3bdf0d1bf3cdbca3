#!/usr/bin/env python3
"""Writes PyTorch reference fixtures for Loom's attention pooling (AttentionPoolingTests.swift).

Each case builds scripts/load_in_pytorch.py's `AttentionPooling` (the module `load_in_pytorch.py` rebuilds
Loom models with) with seeded weights, pools a time-major input [T, B, F] under a mask [T, B] (None: every
step real; a sequence with no real step pools to zeros), and records the weights (PyTorch names), input,
mask, pooled output, attention weights, and the gradients of loss = sum(pooled * w) w.r.t. the input and
every parameter. Computed in float64 from float32-representable values.

Run:  /work/.venv-peers/bin/python Tests/LoomNNTests/Fixtures/make_attention_fixtures.py
Output: attention_fixtures.json next to this script.
"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "scripts"))
sys.argv = sys.argv[:1]
from load_in_pytorch import AttentionPooling  # noqa: E402

CASES = [
    # name, features (2·H for a bidirectional layer), attention size, T, B, lengths (None = no mask), pre-padded
    ("unmasked", 4, 3, 5, 2, None, False),
    ("bidirectional_pre_padded", 6, 6, 6, 3, [6, 2, 4], True),
    ("post_padded_with_empty", 4, 5, 5, 3, [5, 0, 3], False),
]


def flat(t):
    return [float(f"{v:.9g}") for v in t.detach().reshape(-1).tolist()]


def make_case(index, name, features, size, T, B, lengths, pre):
    torch.manual_seed(2000 + index)
    module = AttentionPooling(features, size)
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-0.9, 0.9)
    x32 = torch.randn(T, B, features)
    mask = None
    if lengths is not None:
        mask = torch.tensor([[1.0 if (t >= T - L if pre else t < L) else 0.0 for L in lengths] for t in range(T)],
                            dtype=torch.float64)
    module = module.double()
    x = x32.double().requires_grad_(True)
    pooled = module(x, mask)
    weights = module.weights(x, mask)
    w = torch.randn(pooled.shape, generator=torch.Generator().manual_seed(99 + index), dtype=torch.float64)
    (pooled * w).sum().backward()
    return {
        "name": name, "features": features, "attentionSize": size, "steps": T, "batch": B,
        "mask": None if mask is None else flat(mask),
        "parameters": {n: {"shape": list(p.shape), "data": flat(p)} for n, p in module.named_parameters()},
        "input": flat(x), "pooled": flat(pooled), "weights": flat(weights), "lossWeights": flat(w),
        "gradInput": flat(x.grad), "gradParameters": {n: flat(p.grad) for n, p in module.named_parameters()},
    }


def main():
    cases = [make_case(i, *spec) for i, spec in enumerate(CASES)]
    path = os.path.join(HERE, "attention_fixtures.json")
    with open(path, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    print(f"wrote {path} ({os.path.getsize(path)} bytes, {len(cases)} cases)")


if __name__ == "__main__":
    main()
