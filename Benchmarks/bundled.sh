#!/usr/bin/env bash
# The bundled sentiment model's figures, with the tools a user would run without training in the same run:
# IMDB test accuracy and AUC, the three UCI labelled-sentence sets (out of domain, short texts), VADER and
# TextBlob on the same files (../shared/peers/lexicon_peers.py), and, where PyTorch is installed, the
# model's probabilities rebuilt in PyTorch against Loom's (scripts/pytorch_parity.py).
#
#   PEER_PY=/path/to/venv/bin/python Benchmarks/bundled.sh [MODEL]     # default bundled/imdb-sentiment; ~3 min
#
# PEER_PY needs vaderSentiment and textblob (and torch, safetensors, numpy for the parity check); without it
# Loom runs alone and says so. One JSON line per figure on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${LOOM_DATASETS:-../shared/datasets}
MODEL=${1:-bundled/imdb-sentiment}
[ -f "$DATA/imdb/test.tsv" ] || { echo "bundled.sh: $DATA/imdb/test.tsv not found (set LOOM_DATASETS)" >&2; exit 1; }
swift build -c release --product loom >&2
loom=.build/release/loom
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The UCI files are `text<TAB>0|1`; Loom and the lexicon peers read `label<TAB>text`.
files=("$DATA/imdb/test.tsv")
for set in amazon_cells yelp imdb; do
  awk -F'\t' 'NF >= 2 { print $NF "\t" $1 }' "$DATA/uci-sentences/${set}_labelled.txt" > "$work/uci_$set.tsv"
  files+=("$work/uci_$set.tsv")
done

for file in "${files[@]}"; do
  name=$(basename "$file" .tsv)
  [ "$file" = "$DATA/imdb/test.tsv" ] && name=imdb_test
  $loom sentiment eval --model "$MODEL" --data "$file" --json |
    python3 -c 'import json, sys; r = json.load(sys.stdin); m = r["metrics"]
print(json.dumps({"bench": "bundled_eval", "model": sys.argv[1], "file": sys.argv[2], "n": m["count"],
                  "accuracy": round(m["accuracy"], 4), "auc": m.get("rocAUC")}))' "$(basename "$MODEL")" "$name"
  if [ -n "${PEER_PY:-}" ]; then
    "$PEER_PY" ../shared/peers/lexicon_peers.py "$file" || echo "{\"peer_failed\": \"lexicon_peers $name\"}"
  else
    echo "{\"peer_missing\": \"lexicon_peers (set PEER_PY)\"}"
  fi
done

if [ -n "${PEER_PY:-}" ]; then
  "$PEER_PY" scripts/pytorch_parity.py --loom "$loom" --model "$MODEL" --reviews "$DATA/imdb/test.tsv" --count "${PARITY_COUNT:-300}" ||
    echo '{"peer_failed": "pytorch_parity"}'
fi
