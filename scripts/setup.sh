#!/usr/bin/env bash
# The README's first command: installs the dependencies (Debian 12, apt), builds exadoc, and indexes every sample
# document in samples/ into out/ (Markdown, HTML, JSON, overlays and the SQLite index out/exadoc.sqlite).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build --parallel "$(nproc)"

echo
./build/app/exadoc batch samples -o out --overlay
echo
./build/app/exadoc xref DWG-HX200-001 -o out
echo
echo "Done. For each sample, out/ holds NAME.md, NAME.html and NAME.json (layout blocks with 0-1000 boxes) and"
echo "NAME.overlay/ with the page images and every block drawn on them: open out/manual.html in a browser or look at"
echo "out/drawing.overlay/page-0001.png. Everything is indexed in out/exadoc.sqlite: above, the drawing number of the"
echo "sample drawing, found in the drawing's title block and on the manual pages that cite it. Try"
echo "  build/app/exadoc search mechanical seal -o out"
echo "  build/app/exadoc query \"SELECT path, page_count, status FROM documents\" -o out"
echo "The binary is build/app/exadoc (try --help)."
