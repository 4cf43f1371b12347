#!/usr/bin/env bash
# The README's first command: installs the dependencies (Debian 12, apt), builds exadoc, and parses every sample
# document in samples/ into out/ (Markdown, HTML, JSON and overlays).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build --parallel "$(nproc)"

echo
./build/app/exadoc parse samples -o out --overlay
echo
echo "Done. For each sample, out/ holds NAME.md, NAME.html and NAME.json (layout blocks with 0-1000 boxes) and"
echo "NAME.overlay/ with the page images and every block drawn on them: open out/manual.html in a browser or look at"
echo "out/drawing.overlay/page-0001.png. The binary is build/app/exadoc (try --help)."

