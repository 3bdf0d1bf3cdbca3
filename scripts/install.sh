#!/usr/bin/env bash
# Installs the release binary and the bundled models under PREFIX (default /usr/local):
#   PREFIX/bin/loom and PREFIX/share/loom/models/<name>/, where `loom` finds them from then on.
#   scripts/install.sh [PREFIX]
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=${1:-/usr/local}
swift build -c release --product loom
install -d "$PREFIX/bin" "$PREFIX/share/loom/models"
install -m 0755 .build/release/loom "$PREFIX/bin/loom"
for model in bundled/*/; do
  name=$(basename "$model")
  install -d "$PREFIX/share/loom/models/$name"
  install -m 0644 "$model"* "$PREFIX/share/loom/models/$name/"
done
echo "installed $PREFIX/bin/loom and $(ls bundled | wc -l) bundled models in $PREFIX/share/loom/models"
