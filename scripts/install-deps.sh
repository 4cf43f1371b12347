#!/usr/bin/env bash
# Installs every Debian 12 package exadoc needs to build, test, benchmark and regenerate its samples.
# Idempotent: packages already present are left alone, so the test command can call it cheaply.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  # ingest: PDF (Poppler), raster images (libvips), scan clean-up (Leptonica), OCR (Tesseract)
  # (libpoppler-private-dev: Poppler's core API, for the words and vector graphics of born-digital pages)
  libpoppler-cpp-dev libpoppler-private-dev poppler-utils libvips-dev libvips-tools libleptonica-dev libopencv-dev
  libtesseract-dev
 tesseract-ocr tesseract-ocr-eng tesseract-ocr-kor
  # CLI, JSON, tests
  libcli11-dev nlohmann-json3-dev libvalijson-dev libgtest-dev libgmock-dev
  # the index (SQLite with FTS5; the sqlite3 shell for users' own queries) and content hashes (OpenSSL SHA-256)
  libsqlite3-dev sqlite3 libssl-dev
  # model: tokenizer.json's pre-tokenizer regexes (Unicode properties)
  libpcre2-dev
  # libFuzzer targets, run for a bounded number of iterations by scripts/test.sh
  clang libclang-rt-14-dev
  # sample generator (samples/generate.py) and its fonts (Latin + Hangul)
  python3-reportlab python3-pil python3-numpy fonts-nanum fonts-dejavu-core
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
