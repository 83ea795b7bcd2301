#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test stage (what CI runs):
#
#   suite  build/ (GCC): unit, integration (hostile input included), browser, api
#   crash  build/: kill -9 during concurrent need writes, every acknowledged need checked
#   soak   build/: a short smoke run of scripts/soak.py (the long run: README, Tests)
#   fuzz   build-fuzz/ (clang, libFuzzer + ASan + UBSan): each target for
#          IISC_FUZZ_SECONDS (default 45), from its seed corpus in tests/fuzz/
#   asan   build-asan/ (clang, ASan + UBSan, asserts on): the whole suite
#   tsan   build-tsan/ (clang, TSan): integration, concurrency and power-loss tests
#
# Usage: scripts/test.sh [--quick | --stages s1,s2,...] [ctest args for the suite stage]
#   --quick          only the suite stage, for developers between commits
#   --stages LIST    the named stages, in the order above
# Every stage runs even when an earlier one failed; the summary at the end has
# each stage's verdict and wall time, and the exit status is 1 if any failed.
# shellcheck disable=SC2317  # the stage_* functions are called by name
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

ALL_STAGES="suite crash soak fuzz asan tsan"
stages="$ALL_STAGES"
ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) stages="suite"; shift ;;
    --stages) stages="${2//,/ }"; shift 2 ;;
    --stages=*) stages="${1#--stages=}"; stages="${stages//,/ }"; shift ;;
    *) ctest_args+=("$1"); shift ;;
  esac
done
for s in $stages; do
  case " $ALL_STAGES " in *" $s "*) ;; *) echo "unknown stage: $s (stages: $ALL_STAGES)" >&2; exit 2 ;; esac
done
wants() { case " $stages " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

JOBS="$(nproc)"
[ "$JOBS" -gt 2 ] || JOBS=2
CTEST=(ctest --output-on-failure -j"$JOBS" --timeout 900)
# Sanitizer builds: clang, optimized enough to keep the engine's start-up
# fast, asserts kept (no NDEBUG), line tables for symbolized reports.
CLANG_ARGS=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
            -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only")

configure_and_build() {  # dir "targets" cmake-args...
  local dir="$1" targets="$2"
  shift 2
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  # shellcheck disable=SC2086
  cmake --build "$dir" -j"$JOBS" ${targets:+--target $targets}
}

# Sanitizer reports go to files, so that a report from a server process an
# integration test started fails the stage even when the test did not notice.
fresh_log_dir() {
  rm -rf "$1"
  mkdir -p "$1"
}
no_sanitizer_reports() {
  if compgen -G "$1/*" >/dev/null; then
    echo "sanitizer reports in $1:" >&2
    cat "$1"/* >&2
    return 1
  fi
}

stage_suite() {
  ./scripts/build.sh
  "${CTEST[@]}" --test-dir build -LE 'crash' "${ctest_args[@]}"
}

stage_crash() {
  ./scripts/build.sh
  "${CTEST[@]}" --test-dir build -L crash
}

stage_soak() {
  ./scripts/build.sh
  python3 scripts/soak.py --duration "${IISC_SOAK_SECONDS:-20}" --warmup 5 --max-rss-growth-mb 64
}

stage_fuzz() {
  configure_and_build build-fuzz "fuzzers" "${CLANG_ARGS[@]}" -DIISC_SANITIZE=address,undefined \
    -DIISC_BUILD_FUZZ=ON -DIISC_BUILD_TESTS=OFF -DIISC_FUZZ_SECONDS="${IISC_FUZZ_SECONDS:-45}"
  if ! "${CTEST[@]}" --test-dir build-fuzz -L fuzz; then
    echo "inputs that failed are in build-fuzz/tests/fuzz/crashes/; add each to its seed corpus" >&2
    return 1
  fi
}

stage_asan() {
  configure_and_build build-asan "" "${CLANG_ARGS[@]}" -DIISC_SANITIZE=address,undefined
  local logs="$ROOT/build-asan/sanitizer-logs"
  fresh_log_dir "$logs"
  ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1:log_path=$logs/asan" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan" \
    "${CTEST[@]}" --test-dir build-asan
  no_sanitizer_reports "$logs"
}

stage_tsan() {
  configure_and_build build-tsan "tsan_tests" "${CLANG_ARGS[@]}" -DIISC_SANITIZE=thread
  local logs="$ROOT/build-tsan/sanitizer-logs" status=0
  fresh_log_dir "$logs"
  # ignore_noninstrumented_modules: Debian's RocksDB is not instrumented, and
  # TSan cannot see its internal synchronization (see CMakeLists.txt).
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1:log_path=$logs/tsan"
  "${CTEST[@]}" --test-dir build-tsan -L integration || status=1
  "${CTEST[@]}" --test-dir build-tsan -L unit -R 'Concurren|PowerLoss' || status=1
  unset TSAN_OPTIONS
  no_sanitizer_reports "$logs" || status=1
  return "$status"
}

./scripts/install-deps.sh

summary=()
failed=0
total_start=$(date +%s)
for s in $ALL_STAGES; do
  wants "$s" || continue
  echo "=== stage $s"
  start=$(date +%s)
  # In the background so that errexit holds inside the stage (it is off in
  # anything an `if` tests), then waited for at once.
  ( "stage_$s" ) &
  if wait $!; then verdict=passed; else verdict=FAILED; failed=1; fi
  summary+=("$(printf '%-6s %-7s %5ds' "$s" "$verdict" $(( $(date +%s) - start )))")
done
echo "=== summary ($(nproc) cores; load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%s\n' "${summary[@]}"
printf 'total         %5ds\n' $(( $(date +%s) - total_start ))
exit $failed
