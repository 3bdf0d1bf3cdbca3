"""Writes the safetensors fixtures read by SafeTensorsTests.swift, with the reference `safetensors`
package (0.8.0 used), so Loom's reader is checked against files it did not write itself.

    /work/venv-peers/bin/pip install safetensors
    /work/venv-peers/bin/python Tests/LoomNNTests/Fixtures/safetensors/make_fixtures.py
"""
import os
import numpy as np
import torch
from safetensors.torch import save_file

here = os.path.dirname(os.path.abspath(__file__))
tensors = {
    # F32 2x3 matrix 0..5 / 4.
    "fc.weight": torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4,
    # F16 values with known exact conversions: 1, -2.5, 65504 (largest finite half), 2^-14 (smallest
    # normal), 2^-24 (smallest subnormal), -0, +inf.
    "half": torch.tensor([1.0, -2.5, 65504.0, 2.0**-14, 2.0**-24, -0.0, float("inf")], dtype=torch.float16),
    # BF16: 1, -2.5, 65536 and 3.0 x 2^100 are exact in bfloat16.
    "brain": torch.tensor([[1.0, -2.5], [65536.0, 3.0 * 2.0**100]], dtype=torch.bfloat16),
    # F64 converted to the nearest float: 0.1 -> 0.1f, -1e10 -> -1e10f.
    "double": torch.tensor([0.1, -1e10], dtype=torch.float64),
    # A scalar (shape []) and an empty tensor (shape [0]).
    "scalar": torch.tensor(3.5, dtype=torch.float32),
    "empty": torch.zeros(0, dtype=torch.float32),
}
save_file(tensors, os.path.join(here, "python_mixed.safetensors"), metadata={"format": "pt", "note": "Loom fixture"})
save_file({"ids": torch.tensor([1, 2, 3], dtype=torch.int64)}, os.path.join(here, "python_int64.safetensors"))
