"""Loads a Loom sentiment model folder in PyTorch and prints P(pos) for token lists read from stdin
(a JSON list of token lists, as `loom tokenize --keep-punctuation --json` gives them for a model trained with
punctuation kept, the default). Shows that the safetensors weights
use PyTorch's names and layouts: `load_state_dict` takes them unchanged (attention pooling included:
`attention.proj.weight`, `attention.proj.bias`, `attention.context`; and the n-gram branch, `ngram.weight`,
`ngram.bias`, `ngram.scale`: an `nn.EmbeddingBag` whose logits are mixed with the recurrent branch's, (1 − w)·recurrent + w·bag, w the
config's `ngrams.bagWeight`).
A regression model (`--task regression`, `"task": "regression"` in config.json) prints its rating instead:
mean + standardDeviation · output, clamped to [minimum, maximum] (config.json's `ratingScale`).

    python3 -c 'import json,subprocess; print(json.dumps([json.loads(subprocess.check_output(
        ["loom", "tokenize", "--keep-punctuation", "--json", "Not bad at all."]))["tokens"]]))' \
      | python scripts/load_in_pytorch.py models/imdb
(A model saved before the tokenizer's web-text rules — no "webText" in its config.json, such as the bundled
one — needs `loom tokenize --no-web-text` for the same tokens.)
Needs: pip install torch safetensors. `scripts/captum_check.py` imports `load` from here.
"""
import json, sys, torch, torch.nn as nn
from safetensors.torch import load_file


class AttentionPooling(nn.Module):
    """Loom's additive attention (AttentionPooling.swift, A1–A4): α = softmax_t(vᵀ tanh(W h_t + b))."""
    def __init__(s, features, size):
        super().__init__()
        s.proj = nn.Linear(features, size)
        s.context = nn.Parameter(torch.zeros(size))

    def weights(s, out, mask=None):   # out [T, B, F], mask [T, B] (1 = real step) -> α [T, B]
        scores = torch.tanh(s.proj(out)) @ s.context
        if mask is not None: scores = scores.masked_fill(mask == 0, float("-inf"))
        return torch.nan_to_num(torch.softmax(scores, 0))   # a sequence with no real step pools to zeros

    def forward(s, out, mask=None):
        return (s.weights(out, mask).unsqueeze(-1) * out).sum(0)


MULTIPLIER = 116049371   # fastText's n-gram hash multiplier (NGramFeatures.swift)


def ngram_occurrences(ids, vocab_size, order, buckets):
    """Each n-gram occurrence of a review as (row, start, length), unigrams first, then bigrams, then trigrams
    (NGramFeatures.occurrences): a unigram's row is its id, a bigram's/trigram's vocab_size + h mod buckets with
    h = h·116049371 + id (mod 2⁶⁴) from the first id; n-grams holding the padding id 0 are skipped."""
    found = [(i, t, 1) for t, i in enumerate(ids) if i != 0]
    for n in range(2, order + 1):
        for t in range(len(ids) - n + 1):
            gram = ids[t:t + n]
            if 0 in gram: continue
            h = gram[0]
            for i in gram[1:]: h = (h * MULTIPLIER + i) & 0xFFFFFFFFFFFFFFFF
            found.append((vocab_size + h % buckets, t, n))
    return found


def ngram_features(ids, vocab_size, order, buckets):
    """The distinct rows of a review's n-gram bag, ascending (NGramFeatures.features: binarized counts)."""
    return sorted({row for row, _, _ in ngram_occurrences(ids, vocab_size, order, buckets)})


class NGramBag(nn.Module):
    """Loom's NGramBag: bias + Σ_f scale[f]·weight[f] over a review's distinct n-gram rows; `nn.EmbeddingBag`'s
    sum mode with per-sample weights (`scale`, a buffer: the Naive-Bayes ratios, fixed in training)."""
    def __init__(s, rows, outputs):
        super().__init__()
        s.weight = nn.Parameter(torch.zeros(rows, outputs))
        s.bias = nn.Parameter(torch.zeros(outputs))
        s.register_buffer("scale", torch.ones(rows))

    def forward(s, rows, offsets):   # rows: all reviews' features concatenated; offsets: where each starts
        return nn.functional.embedding_bag(rows, s.weight, offsets, mode="sum", per_sample_weights=s.scale[rows]) + s.bias


class Sentiment(nn.Module):
    def __init__(s, cfg):
        super().__init__()
        s.cfg = cfg
        Cell = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cfg["cell"]]
        features = cfg["hiddenSize"] * (2 if cfg["bidirectional"] else 1)
        s.embedding = nn.Embedding(cfg["vocabularySize"], cfg["embeddingSize"], padding_idx=0)
        setattr(s, cfg["cell"], Cell(cfg["embeddingSize"], cfg["hiddenSize"], cfg["layers"], bidirectional=cfg["bidirectional"]))
        if cfg["pooling"] == "attention": s.attention = AttentionPooling(features, features)
        regression = cfg.get("task") == "regression"
        outputs = 1 if regression or len(cfg["classes"]) == 2 else len(cfg["classes"])   # binary: one logit, as Loom stores it
        s.fc = nn.Linear(features, outputs)
        if cfg.get("ngrams"):
            g = cfg["ngrams"]
            s.ngram = NGramBag(cfg["vocabularySize"] + (g["buckets"] if g["order"] >= 2 else 0), outputs)

    def logits_from_embedded(s, embedded):   # embedded [B, T, E] (batch first, for Captum) -> logits [B, outputs]
        cfg = s.cfg
        out, _ = getattr(s, cfg["cell"])(embedded.transpose(0, 1))   # [T, B, F]
        if cfg["pooling"] == "mean": pooled = out.mean(0)
        elif cfg["pooling"] == "max": pooled = out.max(0).values
        elif cfg["pooling"] == "attention": pooled = s.attention(out)
        elif cfg["bidirectional"]:   # "last": each direction's final state — the reverse one ends at step 0
            H = cfg["hiddenSize"]; pooled = torch.cat([out[-1, :, :H], out[0, :, H:]], -1)
        else: pooled = out[-1]
        return s.fc(pooled)

    def bag_weight(s):
        """w in (1 − w)·recurrent + w·bag: the config's ngrams.bagWeight (0.5 in older models, 0 without a bag)."""
        g = s.cfg.get("ngrams")
        if not g: return 0.0
        return 0.5 if g.get("bagWeight") is None else g["bagWeight"]

    def bag_window(s):   # tokens the bag reads: its own window (older models: the recurrent branch's)
        return s.cfg["ngrams"].get("maxLength") or s.cfg["maxLength"]

    def bag_token_shares(s, ids):
        """Each token's exact share of w·(bag − bias), [T, outputs] (SentimentModel.ngramTokenContributions):
        every occurrence of a row gets 1/count of w·scale·weight of that row, split evenly over its tokens;
        tokens before the bag's window get none. They sum to the bag's logits less its bias."""
        g, ids = s.cfg["ngrams"], list(ids)
        skipped = max(0, len(ids) - s.bag_window())
        found = ngram_occurrences(ids[skipped:], s.cfg["vocabularySize"], g["order"], g["buckets"])
        count = {}
        for row, _, _ in found: count[row] = count.get(row, 0) + 1
        shares = torch.zeros(len(ids), s.ngram.weight.shape[1], dtype=s.ngram.weight.dtype)
        w = s.bag_weight()
        for row, start, length in found:
            share = w * s.ngram.scale[row] * s.ngram.weight[row] / count[row] / length
            shares[skipped + start:skipped + start + length] += share
        return shares

    def forward(s, ids):
        # The recurrent branch reads the last maxLength tokens, as Loom keeps them.
        logits = s.logits_from_embedded(s.embedding(ids[-s.cfg["maxLength"]:]).unsqueeze(0))[0]
        if hasattr(s, "ngram"):   # the branches' logits mixed: (1 - w)·recurrent + w·bag
            g = s.cfg["ngrams"]
            rows = torch.tensor(ngram_features(ids[-s.bag_window():].tolist(), s.cfg["vocabularySize"], g["order"], g["buckets"]), dtype=torch.long)
            w = s.bag_weight()
            logits = (1 - w) * logits + w * s.ngram(rows, torch.tensor([0]))[0]
        if s.cfg.get("task") == "regression":   # the rating: de-standardized, clamped to the training range
            r = s.cfg["ratingScale"]
            return min(max(r["mean"] + r["standardDeviation"] * logits.item(), r["minimum"]), r["maximum"])
        # P(second class) for binary models (P(pos) for neg/pos), else every class's probability.
        return torch.sigmoid(logits).item() if logits.numel() == 1 else torch.softmax(logits, -1).tolist()


def load(folder):
    """The model (eval mode), its config and its vocabulary (token -> id)."""
    cfg = json.load(open(f"{folder}/config.json"))
    vocab = [l.rstrip("\n") for l in open(f"{folder}/vocab.txt", encoding="utf-8")]
    model = Sentiment(cfg)
    model.load_state_dict(load_file(f"{folder}/model.safetensors"))
    model.eval()
    return model, cfg, {t: i for i, t in enumerate(vocab)}


if __name__ == "__main__":
    m, cfg, index = load(sys.argv[1])
    for tokens in json.load(sys.stdin):
        ids = torch.tensor([index.get(t, 1) for t in tokens])
        with torch.no_grad():
            p = m(ids)
            print(f"{p:.6f}" if isinstance(p, float) else json.dumps([round(x, 6) for x in p]))
