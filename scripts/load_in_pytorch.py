"""Loads a Loom sentiment model folder in PyTorch and prints P(pos) for token lists read from stdin
(a JSON list of token lists, as `loom tokenize --json` gives them). Shows that the safetensors weights
use PyTorch's names and layouts: `load_state_dict` takes them unchanged.

    python3 -c 'import json,subprocess; print(json.dumps([json.loads(subprocess.check_output(
        ["loom", "tokenize", "--json", "Not bad at all."]))["tokens"]]))' \
      | python scripts/load_in_pytorch.py models/imdb
Needs: pip install torch safetensors
"""
import json, sys, torch, torch.nn as nn
from safetensors.torch import load_file
d = sys.argv[1]
cfg = json.load(open(f"{d}/config.json"))
vocab = [l.rstrip("\n") for l in open(f"{d}/vocab.txt", encoding="utf-8")]
Cell = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cfg["cell"]]
class Sentiment(nn.Module):
    def __init__(s):
        super().__init__()
        s.embedding = nn.Embedding(cfg["vocabularySize"], cfg["embeddingSize"], padding_idx=0)
        setattr(s, cfg["cell"], Cell(cfg["embeddingSize"], cfg["hiddenSize"], cfg["layers"], bidirectional=cfg["bidirectional"]))
        s.fc = nn.Linear(cfg["hiddenSize"] * (2 if cfg["bidirectional"] else 1), 1)
    def forward(s, ids):
        out, _ = getattr(s, cfg["cell"])(s.embedding(ids).unsqueeze(1))   # [T, 1, F]
        pooled = out.mean(0) if cfg["pooling"] == "mean" else out.max(0).values if cfg["pooling"] == "max" else out[-1]
        return torch.sigmoid(s.fc(pooled)).item()
m = Sentiment(); m.load_state_dict(load_file(f"{d}/model.safetensors")); m.eval()
index = {t: i for i, t in enumerate(vocab)}
for tokens in json.load(sys.stdin):
    ids = torch.tensor([index.get(t, 1) for t in tokens])
    with torch.no_grad(): print(f"{m(ids):.6f}")
