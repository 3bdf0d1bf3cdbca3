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
        outputs = 1 if len(cfg["classes"]) == 2 else len(cfg["classes"])   # binary: one logit, as Loom stores it
        s.fc = nn.Linear(cfg["hiddenSize"] * (2 if cfg["bidirectional"] else 1), outputs)
    def forward(s, ids):
        out, _ = getattr(s, cfg["cell"])(s.embedding(ids).unsqueeze(1))   # [T, 1, F]
        if cfg["pooling"] == "mean": pooled = out.mean(0)
        elif cfg["pooling"] == "max": pooled = out.max(0).values
        elif cfg["bidirectional"]:   # "last": each direction's final state — the reverse one ends at step 0
            H = cfg["hiddenSize"]; pooled = torch.cat([out[-1, :, :H], out[0, :, H:]], -1)
        else: pooled = out[-1]
        logits = s.fc(pooled)[0]
        # P(second class) for binary models (P(pos) for neg/pos), else every class's probability.
        return torch.sigmoid(logits).item() if logits.numel() == 1 else torch.softmax(logits, -1).tolist()
m = Sentiment(); m.load_state_dict(load_file(f"{d}/model.safetensors")); m.eval()
index = {t: i for i, t in enumerate(vocab)}
for tokens in json.load(sys.stdin):
    ids = torch.tensor([index.get(t, 1) for t in tokens])
    with torch.no_grad():
        p = m(ids)
        print(f"{p:.6f}" if isinstance(p, float) else json.dumps([round(x, 6) for x in p]))
