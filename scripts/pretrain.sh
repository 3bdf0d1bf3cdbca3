#!/usr/bin/env bash
# Rebuilds Loom's two bundled models from ../shared/datasets with their exact recipes, converts them to
# F16, measures them, and compares the figures with the committed bundled/ models (to the third digit).
#
#   scripts/pretrain.sh [WORK_DIR]      # default: .build/pretrain; about 50 minutes on 2 cores
#
# It never touches bundled/: copy WORK_DIR/imdb-sentiment-f16 and WORK_DIR/shakespeare-f16 there (with
# their card.json and MODEL_CARD.md) to update the bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${LOOM_DATASETS:-../shared/datasets}
WORK=${1:-.build/pretrain}
[ -f "$DATA/imdb/train.tsv" ] || { echo "pretrain: $DATA/imdb/train.tsv not found (set LOOM_DATASETS)" >&2; exit 1; }
swift build -c release --product loom
loom=.build/release/loom
mkdir -p "$WORK"
step() { printf '\n== %s\n' "$*"; }

# The bundled model's recipe: the default recipe (BiGRU 128 beside a Naive-Bayes-scaled bag of unigrams and
# hashed bigrams and trigrams, the bag's weight chosen on validation; web-text tokenizer rules on) in a
# compact size, a VOCAB-token vocabulary and BUCKETS hash buckets, so that its F16 weights stay small.
VOCAB=${LOOM_BUNDLED_VOCAB:-10000}
BUCKETS=${LOOM_BUNDLED_BUCKETS:-262144}
step "sentiment: BiGRU + n-gram bag on IMDB train (the bundled recipe: $VOCAB tokens, $BUCKETS buckets, seed 42)"
time $loom sentiment train --data "$DATA/imdb/train.tsv" --out "$WORK/imdb-sentiment" \
  --max-vocab "$VOCAB" --ngram-buckets "$BUCKETS" --seed 42 --force
$loom convert --model "$WORK/imdb-sentiment" --dtype f16 --out "$WORK/imdb-sentiment-f16" --force
f32=$($loom sentiment eval --model "$WORK/imdb-sentiment" --data "$DATA/imdb/test.tsv" --json)
f16=$($loom sentiment eval --model "$WORK/imdb-sentiment-f16" --data "$DATA/imdb/test.tsv" --json)

step "character model: 2×256 LSTM on Tiny Shakespeare, 3,900 steps (seed 42)"
time $loom charrnn train --corpus "$DATA/tinyshakespeare/input.txt" --out "$WORK/shakespeare" \
  --cell lstm --layers 2 --hidden 256 --embedding 64 --seq-length 100 --batch-size 32 \
  --learning-rate 2e-3 --decay 0.95 --dropout 0.1 --clip 5 --eval-every 300 --steps 3900 --seed 42 \
  --sample-length 0 --force
$loom convert --model "$WORK/shakespeare" --dtype f16 --out "$WORK/shakespeare-f16" --force
c32=$($loom charrnn eval --model "$WORK/shakespeare" --corpus "$DATA/tinyshakespeare/input.txt" --json)
c16=$($loom charrnn eval --model "$WORK/shakespeare-f16" --corpus "$DATA/tinyshakespeare/input.txt" --json)

step "figures (rebuilt) against bundled/"
bundled_sentiment=$($loom sentiment eval --model bundled/imdb-sentiment --data "$DATA/imdb/test.tsv" --json)
bundled_char=$($loom charrnn eval --model bundled/shakespeare --corpus "$DATA/tinyshakespeare/input.txt" --json)
python3 - "$f32" "$f16" "$bundled_sentiment" "$c32" "$c16" "$bundled_char" <<'PY'
import json, sys
f32, f16, bs, c32, c16, bc = (json.loads(a) for a in sys.argv[1:])
acc = lambda r: r["metrics"]["accuracy"]
print(f"IMDB test accuracy: rebuilt F32 {acc(f32):.4f}, rebuilt F16 {acc(f16):.4f}, bundled {acc(bs):.4f}")
print(f"Tiny Shakespeare validation nats/char: rebuilt F32 {c32['nats']:.4f}, rebuilt F16 {c16['nats']:.4f}, bundled {bc['nats']:.4f}")
ok = round(acc(f16), 3) == round(acc(bs), 3) and round(c16["nats"], 3) == round(bc["nats"], 3)
print("match to the third digit:", "yes" if ok else "NO")
sys.exit(0 if ok else 1)
PY
