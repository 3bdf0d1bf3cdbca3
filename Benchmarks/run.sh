#!/usr/bin/env bash
# Runs every Loom benchmark in a release build, side by side with the PyTorch and Keras peers from
# ../shared/peers when their virtual environments exist, and appends all JSON lines to
# Benchmarks/results/<date>.jsonl.
#
#   Benchmarks/run.sh                 # everything
#   Benchmarks/run.sh train-step      # one part: blas | tokenize | recurrent | train-step | char-shape | classify | sample | explain | oneshot | accuracy | ratings
#
# Peers: TORCH_PY (default ../venv-peers/bin/python, then .venv-peers/bin/python) and KERAS_PY
# (default ../venv-keras/bin/python). A part whose peer is missing runs Loom alone and says so.
# Timings use whatever OPENBLAS_CORETYPE the environment sets; unset it (env -u OPENBLAS_CORETYPE)
# to let Loom choose the kernel from the CPU's features. Every line names the core that ran.
set -euo pipefail
cd "$(dirname "$0")/.."
parts=${1:-"blas tokenize recurrent train-step classify sample"}
mkdir -p Benchmarks/results
out="Benchmarks/results/$(date -u +%Y-%m-%dT%H%M%SZ).jsonl"
swift build -c release --product loom-bench >&2
bench=.build/release/loom-bench
pick() { for p in "$@"; do [ -x "$p" ] && { echo "$p"; return; }; done; echo ""; }
TORCH_PY=${TORCH_PY:-$(pick ../venv-peers/bin/python .venv-peers/bin/python)}
KERAS_PY=${KERAS_PY:-$(pick ../venv-keras/bin/python .venv-keras/bin/python)}
peer() { # peer PYTHON SCRIPT ARGS…
  local py=$1; shift
  if [ -n "$py" ]; then "$py" "$@" || echo "{\"peer_failed\": \"$*\"}"; else echo "{\"peer_missing\": \"$1\"}"; fi
}
{
  echo "{\"machine\": \"$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)\", \"date\": \"$(date -u +%FT%TZ)\", \"OPENBLAS_CORETYPE\": \"${OPENBLAS_CORETYPE:-unset}\"}"
  for part in $parts; do
    case $part in
      blas|recurrent) $bench "$part" ;;
      tokenize)
        $bench tokenize
        $bench tokenize --no-web-text
        peer "$KERAS_PY" ../shared/peers/peer_keras.py --which tokenize ;;
      train-step)
        $bench train-step
        for cell in lstm gru; do for pool in mean last; do
          peer "$TORCH_PY" ../shared/peers/peer_torch.py --threads 2 --which sent --cell $cell --pool $pool
        done; peer "$TORCH_PY" ../shared/peers/peer_torch.py --threads 2 --which char --cell $cell; done ;;
      classify)
        $bench classify
        for cell in lstm gru; do peer "$TORCH_PY" ../shared/peers/peer_torch.py --threads 2 --which classify --cell $cell; done ;;
      sample)
        $bench sample
        for cell in lstm gru; do peer "$TORCH_PY" ../shared/peers/peer_torch.py --threads 2 --which sample --cell $cell; done ;;
      char-shape)
        # The char training step at the recipe's shape (charrnn train --preset quality: 2×384 LSTM), with
        # the same step in PyTorch (Benchmarks/torch_char_step.py mirrors peer_torch.py's at any shape).
        $bench train-step --which char --cell lstm --hidden "${CHAR_HIDDEN:-384}" --layers "${CHAR_LAYERS:-2}"
        peer "$TORCH_PY" Benchmarks/torch_char_step.py --hidden "${CHAR_HIDDEN:-384}" --layers "${CHAR_LAYERS:-2}" ;;
      explain)
        # Speed on one ~230-token review, then faithfulness (AOPC) on 1,000 IMDB test reviews; Captum's IG
        # on the same model as the peer (and its agreement with Loom's attributions).
        swift build -c release --product loom >&2
        $bench explain --model "${EXPLAIN_MODEL:-bundled/imdb-sentiment}" --count "${EXPLAIN_COUNT:-1000}"
        peer "$TORCH_PY" scripts/captum_check.py --loom .build/release/loom --model "${EXPLAIN_MODEL:-bundled/imdb-sentiment}" \
          --reviews ../shared/datasets/imdb/test.tsv --count 20 --time ;;
      oneshot) Benchmarks/oneshot.sh ;;
      ratings)
        # IMDB star ratings (about 16 minutes): the regression head and the 8 ratings as classes, then the
        # TF-IDF ridge peer (Benchmarks/ratings.sh).
        Benchmarks/ratings.sh ;;
      accuracy)
        # IMDB test accuracy against training time (about 15 minutes): Loom's default recipe and --preset
        # fast from scratch, then the fastText and NBSVM peers on the same split (Benchmarks/accuracy.sh).
        PEER_PY=${PEER_PY:-$TORCH_PY} Benchmarks/accuracy.sh ;;
      *) echo "unknown part $part" >&2; exit 2 ;;
    esac
  done
} | tee "$out"
echo "results written to $out" >&2
