#!/usr/bin/env bash
# Create (or update) the fixture-generator venv at tools/reference/.venv. Idempotent: re-running it on
# a working venv only re-checks the pins and the torch import.
#
#   bash tools/reference/setup.sh            # then:
#   tools/reference/.venv/bin/python tools/reference/make_fixtures.py
#
# Only PyPI is used. The PyPI torch wheel for Linux x86_64 is the CUDA build and normally pulls several
# GB of nvidia-* packages. We install everything with --no-deps from the closed, fully pinned
# requirements.txt, which adds only the four NVIDIA libraries that `import torch` cannot find on a
# machine with the CUDA 13.0 toolkit in the linker path (the project's cpp-kernels machines).
# On a machine without that toolkit the import fails; then (and only then) this script falls back to
# torch's full PyPI dependency set (CUDA runtime libraries from PyPI, a few GB of downloads). No GPU is
# ever used: the generator runs on the CPU.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
TORCH_VERSION="2.15.0"

pick_python() {
  if [[ -n "${PYTHON:-}" ]]; then echo "$PYTHON"; return; fi
  for c in "$(command -v pyenv >/dev/null 2>&1 && pyenv root)/versions/3.11.7/bin/python3" python3.11 python3; do
    if [[ -x "$c" ]] || command -v "$c" >/dev/null 2>&1; then
      if "$c" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
        echo "$c"; return
      fi
    fi
  done
  echo "setup.sh: need Python 3.11 (set PYTHON=/path/to/python3.11)" >&2
  exit 1
}

if [[ ! -x "$VENV/bin/python" ]]; then
  PY="$(pick_python)"
  echo "setup.sh: creating $VENV with $PY ($("$PY" --version))"
  "$PY" -m venv "$VENV"
fi

PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
"${PIP[@]}" install --quiet --no-deps -r "$HERE/requirements.txt"

torch_ok() {
  "$VENV/bin/python" - <<'EOF' >/dev/null 2>&1
import torch
x = torch.randn(2, 2) @ torch.randn(2, 2)
assert x.shape == (2, 2)
import transformers, tokenizers, safetensors  # noqa: F401
from transformers import Exaone4_5_ForConditionalGeneration  # noqa: F401
import torchvision, PIL  # noqa: F401,E401
from transformers import Qwen2VLImageProcessor  # noqa: F401
EOF
}

if ! torch_ok; then
  echo "setup.sh: 'import torch' fails with the minimal NVIDIA set (no system CUDA 13 toolkit?)."
  echo "setup.sh: falling back to torch==$TORCH_VERSION with its full PyPI dependency set (large download)."
  "${PIP[@]}" install --quiet "torch==$TORCH_VERSION"
  if ! torch_ok; then
    "$VENV/bin/python" -c 'import torch; print(torch.randn(2,2) @ torch.randn(2,2))' || true
    echo "setup.sh: torch still does not import; see tools/reference/README.md" >&2
    exit 1
  fi
fi

"$VENV/bin/python" -c 'import torch, torchvision, PIL, transformers, tokenizers, safetensors, numpy; print("setup.sh: ok: torch", torch.__version__, "torchvision", torchvision.__version__, "pillow", PIL.__version__, "transformers", transformers.__version__, "tokenizers", tokenizers.__version__, "safetensors", safetensors.__version__, "numpy", numpy.__version__)'
