#!/usr/bin/env python3
"""Writes PyTorch reference fixtures for Loom's recurrent layers (RecurrentParityTests.swift).

Each case builds nn.RNN / nn.LSTM / nn.GRU with seeded weights, runs a time-major input with a random
initial state (optionally packed by per-sequence lengths, which is PyTorch's form of a post-padding mask),
and records: weights (PyTorch names and layouts), input, initial state, output, h_n (and c_n), and the
gradients of the fixed loss

    loss = sum(output * w_out) + sum(h_n * w_h) [+ sum(c_n * w_c)]

w.r.t. the input, every parameter and the initial state. The references are computed in float64 from
float32-representable weights and inputs, so they are exact to well below Loom's float32 rounding.

Run:  /work/venv-peers/bin/python Tests/LoomNNTests/Fixtures/make_fixtures.py
Output: recurrent_fixtures.json next to this script (small: a few tens of KB).
"""
import json
import os

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

CASES = [
    # name, cell, input, hidden, layers, bidirectional, nonlinearity, T, B, lengths (None = no mask)
    ("lstm_single", "lstm", 4, 3, 1, False, "tanh", 5, 3, None),
    ("gru_single", "gru", 4, 3, 1, False, "tanh", 5, 3, None),
    ("rnn_tanh_single", "rnn", 4, 3, 1, False, "tanh", 5, 3, None),
    ("rnn_relu_single", "rnn", 4, 3, 1, False, "relu", 5, 3, None),
    ("lstm_stacked", "lstm", 4, 3, 2, False, "tanh", 5, 3, None),
    ("gru_stacked", "gru", 4, 3, 2, False, "tanh", 5, 3, None),
    ("lstm_bidirectional", "lstm", 4, 3, 1, True, "tanh", 5, 3, None),
    ("gru_bidirectional_stacked", "gru", 4, 3, 2, True, "tanh", 5, 3, None),
    ("rnn_bidirectional", "rnn", 4, 3, 1, True, "tanh", 5, 3, None),
    ("lstm_bidirectional_stacked_packed", "lstm", 4, 3, 2, True, "tanh", 6, 3, [6, 3, 1]),
    ("gru_packed", "gru", 4, 3, 1, False, "tanh", 6, 3, [2, 6, 4]),
]


def flat(t):
    # 9 significant digits: exact for float32 values, far below the test tolerances for float64 references.
    return [float(f"{v:.9g}") for v in t.detach().reshape(-1).tolist()]


def make_case(index, name, cell, input_size, hidden, layers, bidirectional, nonlinearity, T, B, lengths):
    torch.manual_seed(1000 + index)
    kwargs = dict(input_size=input_size, hidden_size=hidden, num_layers=layers, bidirectional=bidirectional)
    if cell == "lstm":
        module = torch.nn.LSTM(**kwargs)
    elif cell == "gru":
        module = torch.nn.GRU(**kwargs)
    else:
        module = torch.nn.RNN(nonlinearity=nonlinearity, **kwargs)
    # Wider weights than the default ±1/√H, so gates leave their linear regions and errors would show.
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-0.8, 0.8)
    directions = 2 if bidirectional else 1
    x32 = torch.randn(T, B, input_size)
    h032 = torch.randn(layers * directions, B, hidden) * 0.5
    c032 = torch.randn(layers * directions, B, hidden) * 0.5

    module = module.double()
    x = x32.double().requires_grad_(True)
    h0 = h032.double().requires_grad_(True)
    c0 = c032.double().requires_grad_(True)
    state = (h0, c0) if cell == "lstm" else h0
    if lengths is not None:
        packed = pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
        out_packed, final = module(packed, state)
        out, _ = pad_packed_sequence(out_packed, total_length=T)
    else:
        out, final = module(x, state)
    h_n, c_n = final if cell == "lstm" else (final, None)

    gen = torch.Generator().manual_seed(77 + index)
    w_out = torch.randn(out.shape, generator=gen, dtype=torch.float64)
    w_h = torch.randn(h_n.shape, generator=gen, dtype=torch.float64)
    loss = (out * w_out).sum() + (h_n * w_h).sum()
    w_c = None
    if c_n is not None:
        w_c = torch.randn(c_n.shape, generator=gen, dtype=torch.float64)
        loss = loss + (c_n * w_c).sum()
    loss.backward()

    case = {
        "name": name, "cell": cell, "inputSize": input_size, "hiddenSize": hidden, "layers": layers,
        "bidirectional": bidirectional, "nonlinearity": nonlinearity, "steps": T, "batch": B,
        "mask": None if lengths is None else [[1.0 if t < L else 0.0 for L in lengths] for t in range(T)],
        "input": flat(x), "h0": flat(h0), "c0": flat(c0) if cell == "lstm" else None,
        "parameters": {n: {"shape": list(p.shape), "data": flat(p)} for n, p in module.named_parameters()},
        "output": flat(out), "hn": flat(h_n), "cn": flat(c_n) if c_n is not None else None,
        "lossOutputWeights": flat(w_out), "lossHiddenWeights": flat(w_h),
        "lossCellWeights": flat(w_c) if w_c is not None else None,
        "gradInput": flat(x.grad), "gradH0": flat(h0.grad), "gradC0": flat(c0.grad) if cell == "lstm" else None,
        "gradParameters": {n: flat(p.grad) for n, p in module.named_parameters()},
    }
    return case


def main():
    cases = [make_case(i, *spec) for i, spec in enumerate(CASES)]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "recurrent_fixtures.json")
    with open(path, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    print(f"wrote {path} ({os.path.getsize(path)} bytes, {len(cases)} cases)")


if __name__ == "__main__":
    main()
