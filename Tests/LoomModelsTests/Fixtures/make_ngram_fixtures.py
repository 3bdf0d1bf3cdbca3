#!/usr/bin/env python3
"""Writes PyTorch reference fixtures for Loom's n-gram branch (NGramBagTests.swift).

Each case takes id sequences, computes their feature rows with scripts/load_in_pytorch.py's
`ngram_features` (the hash Loom's NGramFeatures must reproduce), runs its `NGramBag` (nn.functional.embedding_bag,
sum mode, per-sample weights = scale) with seeded weights, and records the rows, the outputs and the gradients
of loss = sum(out * w) w.r.t. weight and bias. Float64 from float32-representable values.

Run:  /work/.venv-peers/bin/python Tests/LoomModelsTests/Fixtures/make_ngram_fixtures.py
Output: ngram_fixtures.json next to this script.
"""
import json, os, sys
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "scripts"))
sys.argv = sys.argv[:1]
from load_in_pytorch import NGramBag, ngram_features  # noqa: E402

CASES = [
    # name, vocabulary size, order, buckets, outputs, sequences (0 = padding)
    ("unigrams", 9, 1, 1, 1, [[2, 3, 3, 8], [1, 0, 5]]),
    ("bigrams_binary", 12, 2, 7, 1, [[2, 3, 0, 4, 5, 2, 3], [11, 10, 11, 10], [6]]),
    ("trigrams_three_classes", 20, 3, 13, 3, [[4, 5, 6, 7, 4, 5, 6], [19, 1, 19, 1, 19], [0, 0, 3, 2]]),
]


def f32(t):
    return t.float().double()


cases = []
for name, vocab, order, buckets, outputs, sequences in CASES:
    torch.manual_seed(len(cases) + 1)
    rows = vocab + (buckets if order >= 2 else 0)
    bag = NGramBag(rows, outputs).double()
    with torch.no_grad():
        bag.weight.copy_(f32(torch.randn(rows, outputs)))
        bag.bias.copy_(f32(torch.randn(outputs)))
        bag.scale.copy_(f32(torch.randn(rows)))
    features = [ngram_features(ids, vocab, order, buckets) for ids in sequences]
    flat = torch.tensor([r for f in features for r in f], dtype=torch.long)
    offsets = torch.tensor([0] + [len(f) for f in features[:-1]], dtype=torch.long).cumsum(0)
    out = bag(flat, offsets)
    w = f32(torch.randn(out.shape, dtype=torch.float64))
    (out * w).sum().backward()
    cases.append({"name": name, "vocabularySize": vocab, "order": order, "buckets": buckets, "outputs": outputs,
                  "sequences": sequences, "features": features,
                  "weight": bag.weight.detach().flatten().tolist(), "bias": bag.bias.detach().tolist(),
                  "scale": bag.scale.tolist(), "output": out.detach().flatten().tolist(),
                  "lossWeights": w.flatten().tolist(), "gradWeight": bag.weight.grad.flatten().tolist(),
                  "gradBias": bag.bias.grad.tolist()})
with open(os.path.join(HERE, "ngram_fixtures.json"), "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print(f"wrote {len(cases)} cases")
