#!/usr/bin/env bash
# Runs Loom's test suite under AddressSanitizer and/or ThreadSanitizer, each in its own
# scratch folder (.build-asan, .build-tsan), and prints a summary per sanitizer: tests run,
# failures, sanitizer reports (with the first report lines), build and run times.
#
#   scripts/sanitizers.sh [address|thread|all] [--filter REGEX]
#
# Default: all, whole suite. On a 2-core machine each sanitizer build takes several minutes
# and the suites run 2–20x slower than plain debug; pass --filter to run a subset, e.g.
#   scripts/sanitizers.sh thread --filter 'RecurrentInferenceTests|CharRNNModelTests'
# Environment: JOBS (swift build -j, default 1), NICE (default 10).
set -uo pipefail
cd "$(dirname "$0")/.."

which=${1:-all}
shift || true
filter=()
while [ $# -gt 0 ]; do
  case "$1" in
    --filter) filter=(--filter "$2"); shift 2 ;;
    *) echo "usage: $0 [address|thread|all] [--filter REGEX]" >&2; exit 64 ;;
  esac
done
case "$which" in
  address) sanitizers=(address) ;;
  thread) sanitizers=(thread) ;;
  all) sanitizers=(address thread) ;;
  *) echo "usage: $0 [address|thread|all] [--filter REGEX]" >&2; exit 64 ;;
esac
jobs=${JOBS:-1}
niceness=${NICE:-10}

failed=0
summary=()
for sanitizer in "${sanitizers[@]}"; do
  case "$sanitizer" in address) scratch=.build-asan ;; thread) scratch=.build-tsan ;; esac
  mkdir -p "$scratch"
  log="$scratch/sanitizer-tests.log"
  extra=()
  # Under TSan, CRecurrentKernels compiles its kernels once for baseline x86-64 (loom_clones.h: clang instruments
  # target_clones' loader-time resolvers, which run before TSan starts).
  echo "== $sanitizer: building and testing in $scratch ${filter[*]:-} (log: $log)"
  start=$(date +%s)
  nice -n "$niceness" swift build -j "$jobs" --build-tests --sanitize="$sanitizer" --scratch-path "$scratch" ${extra[@]+"${extra[@]}"} > "$log" 2>&1
  build_status=$?
  built=$(date +%s)
  if [ "$build_status" -ne 0 ]; then
    grep -E "error" "$log" | head -20
    summary+=("$sanitizer: BUILD FAILED after $((built - start))s (see $log)")
    failed=1
    continue
  fi
  # halt_on_error=0: report every race / error and keep running; the summary counts them.
  LOOM_SANITIZER=$sanitizer ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1} TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=0:second_deadlock_stack=1} \
    nice -n "$niceness" swift test -j "$jobs" --disable-swift-testing --skip-build --sanitize="$sanitizer" \
    --scratch-path "$scratch" ${filter[@]+"${filter[@]}"} >> "$log" 2>&1
  test_status=$?
  finished=$(date +%s)
  executed=$(grep -E "Executed [0-9]+ tests?" "$log" | tail -1 | sed -E 's/^[[:space:]]*//')
  reports=$(grep -cE "^WARNING: ThreadSanitizer:|^==[0-9]+==ERROR: AddressSanitizer|^SUMMARY: (Thread|Address)Sanitizer" "$log")
  if [ "$reports" -gt 0 ]; then
    echo "== $sanitizer: sanitizer reports:"
    grep -E "^WARNING: ThreadSanitizer:|^==[0-9]+==ERROR: AddressSanitizer|^SUMMARY: (Thread|Address)Sanitizer" "$log" | sort | uniq -c | head -20
    failed=1
  fi
  [ "$test_status" -ne 0 ] && failed=1
  summary+=("$sanitizer: ${executed:-no tests ran} · exit $test_status · $reports sanitizer report lines · build $((built - start))s, tests $((finished - built))s")
done

echo
echo "== sanitizer summary ${filter[*]:-(whole suite)}"
for line in "${summary[@]}"; do echo "$line"; done
exit "$failed"
