#!/usr/bin/env bash
# IMDB accuracy against time: trains Loom's recipes from scratch on train.tsv (end to end: reading,
# tokenizing, training, saving), scores them on test.tsv, and runs the fastText and NBSVM peers on the same
# split. One JSON line per run.
#
#   Benchmarks/accuracy.sh [RECIPE…]   # recipes: fast default (both by default); WORK=dir for the models
#   Benchmarks/accuracy.sh default "--max-vocab 10000 --ngram-buckets 262144"   # any other argument: one
#                                       # recipe, its words passed as options
#
# Extra options for every Loom run: LOOM_TRAIN_ARGS="--seed 7". Peers need a Python with fasttext-wheel and
# scikit-learn (PEER_PY, default TORCH_PY or .venv-peers/bin/python); missing ones are reported and skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${LOOM_DATASETS:-../shared/datasets}/imdb
[ -f "$DATA/train.tsv" ] || { echo "accuracy: $DATA/train.tsv not found (set LOOM_DATASETS)" >&2; exit 1; }
WORK=${WORK:-.build/accuracy}
[ $# -gt 0 ] || set -- fast default
swift build -c release --product loom >&2
loom=.build/release/loom
mkdir -p "$WORK"
for recipe in "$@"; do
  case $recipe in
    fast) args=(--preset fast) ;;
    default) args=() ;;
    *) read -r -a args <<< "$recipe" ;;   # one argument, one recipe: its words are the options
  esac
  name=$(echo "$recipe" | tr -c 'a-zA-Z0-9\n' '_')
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  $loom sentiment train --data "$DATA/train.tsv" --out "$WORK/$name" --force --quiet "${args[@]}" ${LOOM_TRAIN_ARGS:-} >&2
  end=$(date +%s.%N)
  $loom sentiment eval --model "$WORK/$name" --data "$DATA/test.tsv" --json |
    python3 -c "import json,sys; r=json.load(sys.stdin)['metrics']; print(json.dumps({'loom_recipe': '$recipe', 'test_accuracy': round(r['accuracy'], 4), 'auc': round(r.get('rocAUC') or 0, 4), 'train_s': round($end - $start, 1)}))"
done
pick() { for p in "$@"; do [ -x "$p" ] && { echo "$p"; return; }; done; echo ""; }
PEER_PY=${PEER_PY:-${TORCH_PY:-$(pick ../venv-peers/bin/python .venv-peers/bin/python /work/.venv-peers/bin/python)}}
if [ -n "${SKIP_PEERS:-}" ]; then exit 0; fi
if [ -n "$PEER_PY" ] && "$PEER_PY" -c "import fasttext" 2>/dev/null; then
  "$PEER_PY" ../shared/peers/fasttext_imdb.py "$DATA"
else echo '{"peer_missing": "fasttext_imdb.py (pip install fasttext-wheel)"}'; fi
if [ -n "$PEER_PY" ] && "$PEER_PY" -c "import sklearn" 2>/dev/null; then
  "$PEER_PY" ../shared/peers/nbsvm_imdb.py "$DATA"
else echo '{"peer_missing": "nbsvm_imdb.py (pip install scikit-learn)"}'; fi
