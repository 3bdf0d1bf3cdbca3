#!/usr/bin/env bash
# `loom serve` under load, beside the Python server a user would otherwise write (../shared/peers/
# peer_flask_server.py: Flask + the same model in PyTorch), same review, same concurrency, same run.
# Since 2026-12-07 the bundled model is a BiGRU beside an n-gram bag; the peer script loads only its GRU
# and output layer (`gru.*`, `fc.*`), so it serves the recurrent branch alone, a little less work per
# review than Loom does (the bag's features and the mix). Figures before that date compare equal models.
# Prints one JSON line per figure (wrk's figures, generation timings, overload memory).
#
#   Benchmarks/serve.sh                 # everything (about 4 minutes)
#   DURATION=5 Benchmarks/serve.sh      # shorter wrk runs
#
# Needs wrk (apt-get install wrk) and, for the peer, PEER_PY: a Python with flask, torch and safetensors
# (default .venv-peers/bin/python or /work/.venv-peers/bin/python); without it Loom runs alone and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
OVERLOAD_SECONDS=${OVERLOAD_SECONDS:-60}
swift build -c release --product loom >&2
loom=.build/release/loom
pick() { for p in "$@"; do [ -x "$p" ] && { echo "$p"; return; }; done; echo ""; }
PEER_PY=${PEER_PY:-$(pick .venv-peers/bin/python /work/.venv-peers/bin/python)}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true

# One IMDB test review of 229 words, as one classify request.
review=$(sed -n 25p ../shared/datasets/imdb/test.tsv | cut -f2)
python3 -c 'import json,sys; print(json.dumps({"texts": [sys.argv[1]]}))' "$review" > "$work/body.json"
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$work/body.json"); wrk.body = f:read("*a"); f:close()
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "errors": %d, "non2xx": %d, "timeouts": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.errors.timeout))
end
LUA
wait_port() { for _ in $(seq 1 300); do curl -s -o /dev/null "http://127.0.0.1:$1$2" && return 0; sleep 0.1; done; echo "server on $1 did not start" >&2; exit 1; }
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "{\"machine\": \"$machine\", \"date\": \"$(date -u +%FT%TZ)\", \"review_words\": $(echo "$review" | wc -w)}"

$loom serve --port 18080 > "$work/loom.log" 2>&1 & pids+=($!); loom_pid=$!
wait_port 18080 /v2/health/ready
if [ -n "$PEER_PY" ]; then
  $loom convert --model imdb-sentiment --dtype f32 --out "$work/imdb-f32" > /dev/null
  "$PEER_PY" ../shared/peers/peer_flask_server.py "$work/imdb-f32" 18081 > "$work/peer.log" 2>&1 & pids+=($!)
  wait_port 18081 /
fi

run_wrk() { # NAME URL CONNECTIONS
  local threads=$(( $3 < 2 ? 1 : 2 ))
  local line; line=$(wrk -t"$threads" -c"$3" -d"${DURATION}s" --timeout 10s -s "$work/post.lua" "$2" | grep '^{')
  echo "{\"server\": \"$1\", \"connections\": $3, ${line#\{}"
}
for c in 1 16 64; do
  # Warm-up, then the measured run.
  DURATION=2 run_wrk loom http://127.0.0.1:18080/v1/classify "$c" > /dev/null
  run_wrk loom http://127.0.0.1:18080/v1/classify "$c"
  if [ -n "$PEER_PY" ]; then
    DURATION=2 run_wrk flask-pytorch http://127.0.0.1:18081/classify "$c" > /dev/null
    run_wrk flask-pytorch http://127.0.0.1:18081/classify "$c"
  else
    echo '{"peer_missing": "peer_flask_server.py (set PEER_PY to a Python with flask, torch, safetensors)"}'
  fi
done

# Generation: time to the first streamed character, one stream's rate, and 8 streams at once.
python3 Benchmarks/stream_client.py --port 18080 --streams 1 --length 4000 --repeat 5
python3 Benchmarks/stream_client.py --port 18080 --streams 8 --length 4000 --repeat 1

# Overload: 1,000 connections for OVERLOAD_SECONDS, then at once one connection again; the server's
# peak resident memory (VmHWM) over the whole run.
DURATION=$OVERLOAD_SECONDS run_wrk loom-overload http://127.0.0.1:18080/v1/classify 1000
run_wrk loom-after-overload http://127.0.0.1:18080/v1/classify 1
echo "{\"server\": \"loom\", \"peak_rss_mb\": $(awk '/VmHWM/ {printf "%.1f", $2/1024}' /proc/$loom_pid/status), \"alive\": $(kill -0 $loom_pid 2>/dev/null && echo true || echo false)}"
# Shedding: the same flood against a server whose queue holds 256 texts answers the excess with 503 at once.
$loom serve --port 18082 --max-queue 256 > "$work/shed.log" 2>&1 & pids+=($!); shed_pid=$!
wait_port 18082 /v2/health/ready
DURATION=$(( OVERLOAD_SECONDS / 3 )) run_wrk loom-shedding-max-queue-256 http://127.0.0.1:18082/v1/classify 1000
run_wrk loom-shedding-after http://127.0.0.1:18082/v1/classify 1
echo "{\"server\": \"loom --max-queue 256\", \"peak_rss_mb\": $(awk '/VmHWM/ {printf "%.1f", $2/1024}' /proc/$shed_pid/status), \"alive\": $(kill -0 $shed_pid 2>/dev/null && echo true || echo false)}"
curl -s http://127.0.0.1:18080/metrics | awk '/^loom_classify_batch_(texts|requests)_(sum|count)/ {printf "{\"metric\": \"%s\", \"value\": %s}\n", $1, $2}'
