#!/usr/bin/env bash
# The README's first command: installs the dependencies (Debian 12, apt), builds exadoc, and renders every
# sample document in samples/ into out/render/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build --parallel "$(nproc)"

echo
./build/app/exadoc render samples -o out/render
echo
echo "Done. Each sample has one folder in out/render/ with a PNG and a JSON (text layer, skew) per page,"
echo "e.g. out/render/manual/page-0001.png and page-0001.json. The binary is build/app/exadoc (try --help)."
