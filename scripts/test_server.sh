# Sourced by scripts/api_test.sh and scripts/browser_test.sh: starts `$loom serve` on a free port with the
# bundled models, stops it (and removes its logs) when the calling script exits, and sets $url.
tmp=$(mktemp -d)
LOOM_MODELS_DIR="$PWD/bundled" "$loom" serve --port 0 >"$tmp/stdout" 2>"$tmp/server.log" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
port=""
for _ in $(seq 600); do
  port=$(sed -n 's|^loom serve: listening on http://[^:]*:\([0-9]*\).*|\1|p' "$tmp/stdout")
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || { echo "FAIL: the server did not start"; cat "$tmp/server.log"; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "FAIL: the server printed no port within 60 s"; exit 1; }
url="http://127.0.0.1:$port"
echo "server: $url"
