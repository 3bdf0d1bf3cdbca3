"""Checks that a Loom sentiment model gives the same probabilities in PyTorch as in Loom.

Loom's side: `loom classify --model M --file F --json` (one JSON object per review). PyTorch's side: the
same reviews as ids from `loom encode --model M` (the model's own tokenizer and vocabulary, not truncated),
fed to the model folder rebuilt by scripts/load_in_pytorch.py (float32, as Loom runs) — the recurrent branch
on the last maxLength ids, the n-gram bag on its own window, the branches mixed by the config's bag weight.

    python scripts/pytorch_parity.py --loom .build/release/loom --model bundled/imdb-sentiment \
        --reviews ../shared/datasets/imdb/test.tsv --count 200

A last review, the first 40 joined, is longer than either branch's window. Prints the worst |P_loom − P_torch| over the reviews and how many are longer than each branch's window
(stderr, and a JSON line on stdout); exits 1 above --tolerance. Binary (one-logit) models only.
Needs: pip install torch safetensors numpy.
"""
import argparse, json, os, subprocess, sys, tempfile
import numpy, torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load_in_pytorch import load  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--loom", default=".build/release/loom")
    parser.add_argument("--model", default="bundled/imdb-sentiment")
    parser.add_argument("--reviews", required=True, help="a label<TAB>text file")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()
    torch.set_num_threads(2)

    with open(args.reviews, encoding="utf-8") as f:
        texts = [line.rstrip("\n").split("\t", 1)[-1] for _, line in zip(range(args.count), f)]
    # One review longer than any window (the first 40 joined: ~9,000 tokens of IMDB), so that both branches
    # read only their last tokens.
    texts.append(" ".join(texts[:40]))
    model, cfg, _ = load(args.model)
    if len(cfg["classes"]) != 2 or cfg.get("task") == "regression":
        sys.exit("pytorch_parity: binary classification models only")
    positive = cfg["classes"][1]
    with tempfile.TemporaryDirectory() as work:
        reviews = os.path.join(work, "reviews.txt")
        with open(reviews, "w", encoding="utf-8") as f:
            f.write("".join(text + "\n" for text in texts))
        out = subprocess.run([args.loom, "classify", "--model", args.model, "--file", reviews, "--json"],
                             check=True, capture_output=True, text=True).stdout
        ours = [json.loads(line)["probabilities"][positive] for line in out.splitlines() if line.strip()]
        ids_file = os.path.join(work, "ids.npy")
        subprocess.run([args.loom, "encode", "--model", args.model, "--file", reviews, "--max-length", "20000",
                        "--padding", "post", "--out", ids_file], check=True, capture_output=True, text=True)
        ids = numpy.load(ids_file)
        lengths = numpy.load(os.path.join(work, "ids.lengths.npy"))
    if len(ours) != len(texts) or len(ids) != len(texts):
        sys.exit(f"pytorch_parity: {len(texts)} reviews, Loom classified {len(ours)}, encoded {len(ids)}")
    worst, where, longest = -1.0, None, int(lengths.max())
    bag = cfg.get("ngrams") and (cfg["ngrams"].get("maxLength") or cfg["maxLength"])
    with torch.no_grad():
        for number, (row, length, p_loom) in enumerate(zip(ids, lengths, ours), 1):
            p_torch = model(torch.tensor(row[:length], dtype=torch.long))
            error = abs(p_loom - p_torch)
            if error > worst: worst, where = error, (number, int(length), p_loom, p_torch)
    past_recurrent = int((lengths > cfg["maxLength"]).sum())
    past_bag = int((lengths > bag).sum()) if bag else 0
    print(f"{len(texts)} reviews (up to {longest} tokens; {past_recurrent} past the recurrent window of {cfg['maxLength']}"
          + (f", {past_bag} past the bag's {bag}, bag weight {model.bag_weight()}" if bag else "") + f"): worst |P_loom - P_torch| = "
          f"{worst:.2e} (review {where[0]}, {where[1]} tokens: {where[2]:.6f} vs {where[3]:.6f}), tolerance {args.tolerance:g}, "
          f"torch {torch.__version__}", file=sys.stderr)
    print(json.dumps({"bench": "pytorch_parity", "model": os.path.basename(os.path.normpath(args.model)), "reviews": len(texts),
                      "worst_abs_difference": worst, "past_recurrent_window": past_recurrent, "past_bag_window": past_bag}))
    sys.exit(0 if worst <= args.tolerance else 1)


if __name__ == "__main__":
    main()
