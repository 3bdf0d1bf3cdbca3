#!/usr/bin/env bash
# Builds Loom's libFuzzer targets (Fuzz/, with AddressSanitizer) in .build-fuzz and runs
# each for SECONDS_PER_TARGET seconds (default 60), starting from the seed corpus in
# Fuzz/corpus/<target>. New inputs go to .build-fuzz/fuzz-corpus/<target>, crashing
# inputs to .build-fuzz/fuzz-artifacts/<target>/. Then the saved crashers in
# Fuzz/regressions/<target>/ are replayed. Prints executions, executions per second and
# crashes per target and in total; exits 1 when anything crashed.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET…]     e.g. scripts/fuzz.sh 60 tokenizer
#
# Leaks listed in Fuzz/lsan-suppressions.txt are ignored while fuzzing (not in the replay).
# Environment: JOBS (swift build -j, default 1), NICE (default 10).
# A crasher replays without the fuzz build too: swift build; .build/debug/FuzzTokenizer FILE…
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
jobs=${JOBS:-1}
niceness=${NICE:-10}
scratch=.build-fuzz

# target name : product : -max_len (bytes; seeds are smaller, room to grow)
all_targets=(
  "tokenizer:FuzzTokenizer:4096"
  "corpus:FuzzCorpus:8192"
  "vocabulary:FuzzVocabulary:4096"
  "safetensors:FuzzSafeTensors:16384"
  "config:FuzzConfig:2048"
  "resume-state:FuzzResumeState:4096"
)
selected=("$@")

flags=(-Xswiftc -DFUZZING -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
       -Xcc -fsanitize=fuzzer-no-link,address)

total_runs=0
total_crashes=0
summary=()
for entry in "${all_targets[@]}"; do
  IFS=: read -r name product max_len <<<"$entry"
  if [ ${#selected[@]} -gt 0 ] && [[ ! " ${selected[*]} " == *" $name "* ]]; then continue; fi

  mkdir -p "$scratch"
  echo "== $name: building $product"
  if ! nice -n "$niceness" swift build -j "$jobs" --scratch-path "$scratch" --product "$product" "${flags[@]}" \
      > "$scratch/fuzz-$name.build.log" 2>&1; then
    grep -E "error" "$scratch/fuzz-$name.build.log" | head -20
    echo "== $name: BUILD FAILED (log: $scratch/fuzz-$name.build.log)"
    summary+=("$(printf '%-13s build failed' "$name")")
    total_crashes=$((total_crashes + 1))
    continue
  fi
  rm -f "$scratch/fuzz-$name.build.log"
  binary="$scratch/debug/$product"
  work="$scratch/fuzz-corpus/$name"
  artifacts="$scratch/fuzz-artifacts/$name"
  mkdir -p "$work" "$artifacts"
  before=$(find "$artifacts" -type f | wc -l)
  log="$scratch/fuzz-$name.log"

  echo "== $name: fuzzing for ${seconds}s (max_len $max_len)"
  # -rss_limit_mb: the debug+ASan binaries hold ICU's data; -timeout: one input, seconds.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} LSAN_OPTIONS=suppressions=$PWD/Fuzz/lsan-suppressions.txt \
    nice -n "$niceness" "$binary" \
    -max_total_time="$seconds" -max_len="$max_len" -timeout=20 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "Fuzz/corpus/$name" > "$log" 2>&1
  status=$?
  runs=$(grep -E '^stat::number_of_executed_units:' "$log" | tail -1 | awk '{print $2}')
  [ -z "$runs" ] && runs=$(grep -oE '^Done [0-9]+ runs' "$log" | tail -1 | awk '{print $2}')
  runs=${runs:-0}
  rate=$(grep -E '^stat::average_exec_per_sec:' "$log" | tail -1 | awk '{print $2}')
  rate=${rate:-$((runs / (seconds > 0 ? seconds : 1)))}
  crashes=$(( $(find "$artifacts" -type f | wc -l) - before ))
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi  # died without an artifact
  if [ "$crashes" -gt 0 ]; then
    echo "== $name: CRASH (exit $status); artifacts in $artifacts/, log $log:"
    grep -E '==ERROR|SUMMARY|Fatal error|fuzz invariant|deadly signal|#[0-9]+ 0x' "$log" | head -25
  fi

  # Saved crashers of earlier runs: each must now run clean.
  regressions=0
  regression_crashes=0
  if [ -d "Fuzz/regressions/$name" ]; then
    while IFS= read -r -d '' file; do
      regressions=$((regressions + 1))
      if ! ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$binary" "$file" > "$scratch/regression-$name.log" 2>&1; then
        regression_crashes=$((regression_crashes + 1))
        echo "== $name: regression input still crashes: $file"
        grep -E 'SUMMARY|Fatal error|fuzz invariant|deadly signal' "$scratch/regression-$name.log" | head -5
      fi
    done < <(find "Fuzz/regressions/$name" -type f ! -name '*.md' -print0 | sort -z)
  fi

  total_runs=$((total_runs + runs))
  total_crashes=$((total_crashes + crashes + regression_crashes))
  summary+=("$(printf '%-13s %10s runs %8s/s  crashes %d  regressions %d/%d crashing' \
    "$name" "$runs" "$rate" "$crashes" "$regression_crashes" "$regressions")")
done

echo
echo "== fuzz summary (${seconds}s per target)"
for line in "${summary[@]}"; do echo "$line"; done
echo "total: $total_runs runs, $total_crashes crashes"
[ "$total_crashes" -eq 0 ]
