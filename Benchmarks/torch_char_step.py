"""The PyTorch char-RNN training step of ../shared/peers/peer_torch.py (--which char), at any width and depth,
so Loom's recipe shapes (2x384 for `charrnn train --preset quality`) have a peer in the same run.
Usage: python Benchmarks/torch_char_step.py [--hidden 384] [--layers 2] [--cell lstm] [--threads 2]
One JSON line: the median seconds of 15 steps after 3 warm-up steps, and characters per second."""
import argparse, json, statistics, time
import torch, torch.nn as nn

ap = argparse.ArgumentParser()
ap.add_argument("--hidden", type=int, default=384)
ap.add_argument("--layers", type=int, default=2)
ap.add_argument("--cell", default="lstm")
ap.add_argument("--threads", type=int, default=2)
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
Cell = {"lstm": nn.LSTM, "gru": nn.GRU}[a.cell]

class Char(nn.Module):
    def __init__(s, V=65, E=64):
        super().__init__(); s.embedding = nn.Embedding(V, E); s.rnn = Cell(E, a.hidden, a.layers, batch_first=True); s.fc = nn.Linear(a.hidden, V)
    def forward(s, x):
        o, h = s.rnn(s.embedding(x)); return s.fc(o), h

m = Char(); opt = torch.optim.Adam(m.parameters(), 2e-3); lossf = nn.CrossEntropyLoss()
x = torch.randint(0, 65, (32, 100)); y = torch.randint(0, 65, (32, 100))
def step():
    opt.zero_grad(); o, _ = m(x); l = lossf(o.reshape(-1, 65), y.reshape(-1)); l.backward()
    nn.utils.clip_grad_norm_(m.parameters(), 5.0); opt.step()
for _ in range(3): step()
times = []
for _ in range(15):
    t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
s = statistics.median(times)
print(json.dumps({"framework": "torch", "bench": "char_train_step", "cell": a.cell, "batch": 32, "length": 100,
                  "layers": a.layers, "hidden": a.hidden, "seconds": s, "chars_per_s": 3200 / s, "threads": a.threads,
                  "torch": torch.__version__}), flush=True)
