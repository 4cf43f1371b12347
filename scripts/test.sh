#!/usr/bin/env bash
# The README's second command: builds everything (installing missing dependencies first) and runs the whole
# test suite. `scripts/test.sh --sanitize` does the same in build-asan/ under AddressSanitizer and
# UndefinedBehaviorSanitizer. GPU tests skip, saying why, on machines without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXADOC_BUILD_TESTS=ON)
if [ "${1:-}" = "--sanitize" ]; then
  build_dir=build-asan
  cmake_args=(-DCMAKE_BUILD_TYPE=Debug -DEXADOC_BUILD_TESTS=ON -DEXADOC_SANITIZE=ON)
  # The CUDA runtime maps memory where ASan keeps its shadow; this is the usual remedy.
  export ASAN_OPTIONS=protect_shadow_gap=0:detect_leaks=1
  export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS=print_stacktrace=1
fi

bash scripts/install-deps.sh
cmake -S . -B "$build_dir" -G Ninja "${cmake_args[@]}"
cmake --build "$build_dir" --parallel "$(nproc)"

# Fuzz targets: a bounded run on the seed corpora (new inputs go to a scratch folder, not into the repo).
if [ "${EXADOC_SKIP_FUZZ:-0}" != 1 ]; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DEXADOC_BUILD_FUZZERS=ON -DEXADOC_BUILD_TESTS=OFF \
    -DEXADOC_CUDA=OFF >/dev/null
  cmake --build build-fuzz --target fuzzers --parallel "$(nproc)"
  for target in file_type safetensors vlm_output; do
    scratch=$(mktemp -d)
    echo "fuzz: ${target}_fuzzer, 200000 runs"
    if ! build-fuzz/tests/fuzz/${target}_fuzzer -runs=200000 -max_len=4096 -artifact_prefix="$scratch/" \
        "$scratch" "tests/fuzz/corpus/$target" >"$scratch/log" 2>&1; then
      tail -n 40 "$scratch/log" >&2
      echo "fuzz: ${target}_fuzzer found a failing input; it is kept in $scratch" >&2
      exit 1
    fi
    grep -E "^Done" "$scratch/log"
    rm -rf "$scratch"
  done
fi

cd "$build_dir"
echo "GPU tests (skipped with the reason when this machine has no GPU):"
ctest -L gpu --verbose 2>&1 | grep -E "^\[ +(OK|SKIPPED|FAILED) +\]|Skipped|no GPU" || true
ctest --output-on-failure --parallel "$(nproc)" --timeout 300
