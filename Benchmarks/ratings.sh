#!/usr/bin/env bash
# IMDB star ratings (1–4 and 7–10, from ../shared/datasets/imdb/*.meta.tsv): Loom's regression head
# (--task regression) and the 8 ratings as classes (--task classes), trained from scratch on train.tsv (end to
# end: reading, tokenizing, training, saving) and scored on test.tsv; then the TF-IDF ridge / logistic
# regression peer (../shared/peers/ridge_ratings.py) on the same split. One JSON line per run.
#
#   Benchmarks/ratings.sh [RUN…]   # runs: regression-fast classes-fast regression-default classes-default
#
# WORK=dir for the data and models; PEER_PY: a Python with scikit-learn (default .venv-peers/bin/python);
# SKIP_PEERS=1 leaves the peer out.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${LOOM_DATASETS:-../shared/datasets}/imdb
[ -f "$DATA/train.meta.tsv" ] || { echo "ratings: $DATA/train.meta.tsv not found (set LOOM_DATASETS)" >&2; exit 1; }
WORK=${WORK:-.build/ratings}
runs=${*:-"regression-fast classes-fast regression-default classes-default"}
swift build -c release --product loom >&2
loom=.build/release/loom
mkdir -p "$WORK"
for split in train test; do
  paste <(cut -f3 "$DATA/$split.meta.tsv") <(cut -f2 "$DATA/$split.tsv") > "$WORK/$split.tsv"
done
for run in $runs; do
  case $run in
    regression-fast) args=(--task regression --preset fast) ;;
    regression-default) args=(--task regression) ;;
    classes-fast) args=(--task classes --preset fast) ;;
    classes-default) args=(--task classes) ;;
    *) echo "ratings: unknown run '$run'" >&2; exit 64 ;;
  esac
  start=$(date +%s.%N)
  $loom sentiment train --data "$WORK/train.tsv" --out "$WORK/$run" --force --quiet "${args[@]}" >&2
  end=$(date +%s.%N)
  $loom sentiment eval --model "$WORK/$run" --data "$WORK/test.tsv" --json |
    python3 -c "import json,sys; r=json.load(sys.stdin)['metrics']; keys=['meanAbsoluteError','rootMeanSquareError','pearson','spearman','withinOne','accuracy','withinOneAccuracy']; print(json.dumps(dict({'loom_run': '$run', 'train_s': round($end - $start, 1)}, **{k: round(r[k], 4) for k in keys if r.get(k) is not None})))"
done
pick() { for p in "$@"; do [ -x "$p" ] && { echo "$p"; return; }; done; echo ""; }
PEER_PY=${PEER_PY:-$(pick ../venv-peers/bin/python .venv-peers/bin/python /work/.venv-peers/bin/python)}
if [ -n "${SKIP_PEERS:-}" ]; then exit 0; fi
if [ -n "$PEER_PY" ] && "$PEER_PY" -c "import sklearn" 2>/dev/null; then
  "$PEER_PY" ../shared/peers/ridge_ratings.py "$DATA"
else echo '{"peer_missing": "ridge_ratings.py (pip install scikit-learn)"}'; fi
