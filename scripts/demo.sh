#!/usr/bin/env bash
# Loom in one command on a fresh Debian machine with Swift: installs the two system libraries
# (ICU, OpenBLAS), builds a release binary, then runs the main jobs on the bundled models and data:
#   0. classify reviews and sample Shakespeare with the bundled pretrained models (bundled/)
#   1. tokenize a mixed-language sentence and build a vocabulary from corpora/
#   2. train a sentiment classifier on corpora/reviews.tsv and classify a few reviews
#   3. train a tiny character-level model on corpora/tales.txt and sample from a prompt
set -euo pipefail
cd "$(dirname "$0")/.."
if ! dpkg -s libicu-dev libopenblas-dev >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libicu-dev libopenblas-dev
fi
swift build -c release --product loom
loom=.build/release/loom
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "loom --version"
$loom --version

step "bundled models (no training): loom models"
$loom models

step "classify with the bundled IMDB model"
$loom classify "A wonderful, moving film."
printf '%s\n' "The music was beautiful and the ending moved me." "Not worth the ticket, a boring mess." \
  "I expected little, but the cast won me over." | $loom classify

if $loom models --json | grep -q '"name":"shakespeare"'; then
  step "sample from the bundled Shakespeare model"
  $loom sample --prompt "ROMEO:" --length 300 --temperature 0.7 --seed 1
fi

step "tokenize"
$loom tokenize "I didn't love it<br />but 10/10 for the café scenes 😍 我喜欢这部电影"

step "vocabulary from corpora/"
$loom vocab build corpora/demo-text.txt corpora/tales.txt --max-size 2000 --out models/demo-vocab.txt
$loom vocab stats --vocab models/demo-vocab.txt corpora/reviews.tsv --top 5

step "train a sentiment classifier on corpora/reviews.tsv"
$loom sentiment train --data corpora/reviews.tsv --out models/reviews --epochs 12 --patience 4 \
  --embedding 32 --hidden 32 --max-vocab 2000 --min-count 1 --batch-size 16 --learning-rate 0.005

step "classify"
$loom classify --model models/reviews "A warm, funny film with a wonderful cast. I loved every minute."
$loom classify --model models/reviews "Dull and far too long; the acting was wooden and I nearly fell asleep."
printf '%s\n' "The music was beautiful and the ending moved me." "Not worth the ticket, a boring mess." \
  | $loom classify --model models/reviews --json

step "train a tiny character-level model on corpora/tales.txt"
$loom charrnn train --corpus corpora/tales.txt --out models/tales --layers 1 --hidden 128 --steps 300

step "sample"
$loom sample --model models/tales --prompt "MILLER:" --length 300 --temperature 0.7 --seed 1
