#!/usr/bin/env bash
# Whole-process timings of one-shot calls with hyperfine (Debian's package), one JSON line each:
# `loom classify "text"` and `loom sample --length 200` with the bundled models, beside VADER's one-shot
# Python call (LEXICON_PY, a python with vadersentiment) and fastText's `predict` (FASTTEXT_PY with
# fasttext-wheel, on a model trained once by ../shared/peers/fasttext_imdb.py's settings) when available.
#   Benchmarks/oneshot.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
loom=.build/release/loom
[ -x "$loom" ] || swift build -c release --product loom >&2
command -v hyperfine >/dev/null || { echo '{"peer_missing": "hyperfine (apt-get install hyperfine)"}'; exit 0; }
pick() { for p in "$@"; do [ -x "$p" ] && { echo "$p"; return; }; done; echo ""; }
LEXICON_PY=${LEXICON_PY:-$(pick ../.venv-peers/bin/python .venv-peers/bin/python)}
FASTTEXT_PY=${FASTTEXT_PY:-$(pick ../.venv-fasttext/bin/python .venv-fasttext/bin/python)}
review="A wonderful, moving film. The cast is superb and the ending stayed with me for days."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
time_it() { # time_it NAME COMMAND
  local name=$1; shift
  hyperfine -N --warmup 3 --runs "$runs" --export-json "$tmp/h.json" "$@" >/dev/null 2>&1 || { echo "{\"failed\": \"$name\"}"; return; }
  python3 - "$name" "$tmp/h.json" <<'PY'
import json, statistics, sys
result = json.load(open(sys.argv[2]))["results"][0]
times = sorted(result["times"])
print(json.dumps({"bench": "oneshot", "name": sys.argv[1], "median_ms": round(1000 * statistics.median(times), 1),
                  "min_ms": round(1000 * times[0], 1), "max_ms": round(1000 * times[-1], 1), "runs": len(times)}))
PY
}
time_it "loom classify (bundled imdb-sentiment)" "$loom classify \"$review\""
time_it "loom sample --length 200 (bundled shakespeare)" "$loom sample --prompt ROMEO: --length 200"
if [ -n "$LEXICON_PY" ]; then
  cat > "$tmp/vader.py" <<PY
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
s = SentimentIntensityAnalyzer().polarity_scores("$review")["compound"]
print("pos" if s >= 0 else "neg", s)
PY
  time_it "VADER one-shot (python)" "$LEXICON_PY $tmp/vader.py"
else
  echo '{"peer_missing": "vadersentiment (LEXICON_PY)"}'
fi
if [ -n "$FASTTEXT_PY" ] && [ -f "${FASTTEXT_MODEL:-.build/fasttext-imdb.bin}" ]; then
  cat > "$tmp/ft.py" <<PY
import fasttext
m = fasttext.load_model("${FASTTEXT_MODEL:-.build/fasttext-imdb.bin}")
print(m.predict("$review".lower()))
PY
  time_it "fastText predict one-shot (python)" "$FASTTEXT_PY $tmp/ft.py"
else
  echo '{"peer_missing": "fastText model (FASTTEXT_PY, FASTTEXT_MODEL)"}'
fi
