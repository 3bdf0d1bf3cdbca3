"""Checks Loom's integrated gradients against Captum's on the same model, baseline and steps.

For each review, `loom classify --explain ig --steps N --json` gives Loom's per-token attributions; the
model folder is rebuilt in PyTorch (scripts/load_in_pytorch.py, in float64) and Captum's
`IntegratedGradients` (method "gausslegendre", Captum's default, which Loom's rule reproduces) attributes
the same target score — the logit for a softmax model; z for the positive class and −z for the negative
one of a one-logit model — from the all-zero embedding baseline, summed over the embedding dimension.
For a model with an n-gram bag, Captum attributes the recurrent branch's part of the logits, (1 − w)·z over
the last maxLength tokens, and each token's exact share of the linear bag, w·(bag − bias), is added to it
(`bag_token_shares` in load_in_pytorch.py).

    python scripts/captum_check.py --loom .build/release/loom --model bundled/imdb-sentiment \
        --reviews ../shared/datasets/imdb/test.tsv --count 5

Prints one line per review (stderr) and the worst max|Loom − Captum| / max|Captum| (stderr, and a JSON
line on stdout for Benchmarks/run.sh); exits 1 above --tolerance.
Needs: pip install torch captum safetensors.
"""
import argparse, json, os, statistics, subprocess, sys, time
import torch
from captum.attr import IntegratedGradients

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load_in_pytorch import load  # noqa: E402

DEFAULT_REVIEWS = [
    "Not bad at all, I loved the ending. The acting was dreadful though.",
    "A wonderful, moving film with a brilliant cast.",
    "Dull, far too long, and the plot makes no sense.",
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--loom", default=".build/release/loom")
    parser.add_argument("--model", default="bundled/imdb-sentiment")
    parser.add_argument("--reviews", help="a label<TAB>text file; default: three short reviews")
    parser.add_argument("--count", type=int, default=5)
    parser.add_argument("--steps", type=int, default=32)
    parser.add_argument("--tolerance", type=float, default=1e-3)
    parser.add_argument("--time", action="store_true",
                        help="also time Captum's IG (float32, 2 threads, median of 7) on the first review of 200-260 tokens")
    args = parser.parse_args()
    torch.set_num_threads(2)

    reviews = DEFAULT_REVIEWS
    if args.reviews:
        with open(args.reviews, encoding="utf-8") as f:
            reviews = [line.rstrip("\n").split("\t", 1)[-1] for _, line in zip(range(args.count), f)]
    model, cfg, _ = load(args.model)
    model = model.double()
    classes = cfg["classes"]
    worst = 0.0
    timed = None
    for number, text in enumerate(reviews, 1):
        out = subprocess.run([args.loom, "classify", "--model", args.model, "--explain", "ig", "--steps",
                              str(args.steps), "--json", "--", text], check=True, capture_output=True, text=True)
        record = json.loads(out.stdout.splitlines()[0])["explanation"]
        ids = torch.tensor([t["id"] for t in record["tokens"]])
        ours = torch.tensor([t["attribution"] for t in record["tokens"]], dtype=torch.float64)
        target = classes.index(record["target"])
        sign = -1.0 if len(classes) == 2 and target == 0 else 1.0
        column = 0 if len(classes) == 2 else target

        # The recurrent branch reads the last maxLength tokens and enters the logits with weight 1 − w; an
        # n-gram bag (weight w) is linear, so each token's exact share of it is added to Captum's attributions.
        recurrent_ids = ids[-cfg["maxLength"]:]
        recurrent_weight = 1 - model.bag_weight()

        def score(embedded):
            return sign * recurrent_weight * model.logits_from_embedded(embedded)[:, column]

        embedded = model.embedding(recurrent_ids).unsqueeze(0).detach()
        ig = IntegratedGradients(score)
        attributions, delta = ig.attribute(embedded, baselines=torch.zeros_like(embedded), n_steps=args.steps,
                                           method="gausslegendre", return_convergence_delta=True)
        theirs = torch.zeros(len(ids), dtype=torch.float64)
        theirs[len(ids) - len(recurrent_ids):] = attributions.sum(-1)[0].detach()
        if hasattr(model, "ngram"):
            with torch.no_grad(): theirs += sign * model.bag_token_shares(ids.tolist())[:, column]
        scale = theirs.abs().max().item()
        error = (ours - theirs).abs().max().item() / scale
        worst = max(worst, error)
        if args.time and timed is None and 200 <= len(ids) <= 260:
            timed = time_captum(model, ids, sign, column, args.steps)
        print(f"review {number}: {len(ids)} tokens, target {record['target']}, max|Loom-Captum|/max|Captum| = {error:.2e}, "
              f"Captum delta {delta.item():.2e}, Loom gap {record['completenessGap']:.2e}", file=sys.stderr)
    print(f"worst relative difference {worst:.2e} (tolerance {args.tolerance:g}) over {len(reviews)} reviews, "
          f"{args.steps} steps, torch {torch.__version__}", file=sys.stderr)
    print(json.dumps({"bench": "captum_agreement", "framework": "captum", "model": os.path.basename(os.path.normpath(args.model)),
                      "reviews": len(reviews), "steps": args.steps, "worst_relative_difference": worst}))
    if timed is not None:
        print(json.dumps({"bench": "explain_one_review", "framework": "captum", "tokens": timed[0], "ig32_ms": timed[1],
                          "torch": torch.__version__, "threads": torch.get_num_threads()}))
    sys.exit(0 if worst <= args.tolerance else 1)


def time_captum(model, ids, sign, column, steps):
    """Median wall time of Captum's IG in float32 (PyTorch's default) on one review: (tokens, ms)."""
    model32 = model.float()
    def score(embedded):
        return sign * model32.logits_from_embedded(embedded)[:, column]
    embedded = model32.embedding(ids).unsqueeze(0).detach()
    ig = IntegratedGradients(score)
    times = []
    for run in range(9):
        start = time.perf_counter()
        ig.attribute(embedded, baselines=torch.zeros_like(embedded), n_steps=steps, method="gausslegendre")
        if run >= 2: times.append(time.perf_counter() - start)
    model.double()
    return len(ids), 1e3 * statistics.median(times)


if __name__ == "__main__":
    main()
