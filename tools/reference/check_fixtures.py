#!/usr/bin/env python3
"""Re-check the committed fixtures against transformers, in a fresh process.

    tools/reference/.venv/bin/python tools/reference/check_fixtures.py

Loads tests/fixtures/exaone45-tiny{,-bf16} with transformers, recomputes the text forward, the bf16
forward and both greedy continuations, re-encodes every tokens.json case, re-runs the image processor on
the PNGs, recomputes the image features, the multimodal forwards and greedy continuations, and compares
with what is stored. Exits non-zero on any mismatch. Does not write anything.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import torch  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402
from transformers import AutoTokenizer, Exaone4_5_ForConditionalGeneration  # noqa: E402

FIX = Path(__file__).resolve().parent.parent.parent / "tests" / "fixtures"
M32, MBF, REF = FIX / "exaone45-tiny", FIX / "exaone45-tiny-bf16", FIX / "exaone45-tiny" / "reference"


def check_vision(model) -> bool:
    """Re-run the image processor on the PNGs and the model on the stored pixel_values; compare."""
    import numpy as np
    from PIL import Image
    from transformers import AutoImageProcessor

    ok = True
    proc = AutoImageProcessor.from_pretrained(str(M32))
    v = load_file(str(REF / "vision.safetensors"))
    names = sorted(p.stem for p in (REF / "images").glob("*.png"))
    bad_pix = 0
    dfeat = 0.0
    for k, name in enumerate(names):
        img = Image.open(REF / "images" / f"{name}.png").convert("RGB")
        bad_pix += not np.array_equal(np.asarray(img), v[f"image.{k}"].numpy())
        bf = proc(images=[img], return_tensors="pt")
        bad_pix += not torch.equal(bf["image_grid_thw"][0], v[f"grid_thw.{k}"])
        if f"pixel_values.{k}" in v:
            bad_pix += not torch.equal(bf["pixel_values"], v[f"pixel_values.{k}"])
        with torch.no_grad():
            feat = model.model.get_image_features(bf["pixel_values"], bf["image_grid_thw"]).pooler_output[0]
        dfeat = max(dfeat, (feat - v[f"image_features.{k}"]).abs().max().item())
    print(f"vision: {len(names)} images, {bad_pix} pixel/grid/pixel_values mismatches, image_features max|d|={dfeat:.3e}")
    ok &= bad_pix == 0 and len(names) > 0 and dfeat <= 1e-5

    mm = load_file(str(REF / "multimodal.safetensors"))
    for pname, e in json.loads((REF / "multimodal.json").read_text()).items():
        pv = torch.cat([proc(images=[Image.open(REF / "images" / f"{names[k]}.png").convert("RGB")], return_tensors="pt")["pixel_values"] for k in e["images"]])
        grid = torch.stack([v[f"grid_thw.{k}"] for k in e["images"]])
        ids = torch.tensor([e["input_ids"]])
        same_ids = ids[0].tolist() == mm[f"{pname}.input_ids"].tolist()
        with torch.no_grad():
            d = (model(input_ids=ids, pixel_values=pv, image_grid_thw=grid, use_cache=False).logits[0] - mm[f"{pname}.logits"]).abs().max().item()
            o = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), pixel_values=pv, image_grid_thw=grid,
                               do_sample=False, max_new_tokens=32, min_new_tokens=32, use_cache=True, pad_token_id=0)
        same = o[0, ids.shape[1]:].tolist() == e["generated_ids"]
        print(f"multimodal {pname}: logits max|d|={d:.3e}, greedy {'match' if same else 'MISMATCH'}")
        ok &= same_ids and same and d <= 1e-5
    return ok


def main() -> int:
    torch.set_num_threads(1)
    ok = True

    tok = Tokenizer.from_file(str(M32 / "tokenizer.json"))
    rows = json.loads((REF / "tokens.json").read_text(encoding="utf-8"))
    bad = 0
    for r in rows:
        ids = tok.encode(r["text"], add_special_tokens=False).ids
        if (
            ids != r["ids"]
            or tok.decode(ids, skip_special_tokens=False) != r["decoded"]
            or tok.decode(ids, skip_special_tokens=True) != r["decoded_skip_special"]
        ):
            bad += 1
    hf_tok = AutoTokenizer.from_pretrained(str(M32))
    bad_hf = sum(hf_tok(r["text"])["input_ids"] != r["ids"] for r in rows)
    print(f"tokens.json: {len(rows)} cases, {bad} mismatches (tokenizers), {bad_hf} (AutoTokenizer)")
    ok &= bad == 0 and bad_hf == 0

    model = Exaone4_5_ForConditionalGeneration.from_pretrained(str(M32), dtype=torch.float32, attn_implementation="eager").eval()
    ref = load_file(str(REF / "text.safetensors"))
    inp = ref["input_ids"].long()[None]
    with torch.no_grad():
        out = model(input_ids=inp, use_cache=False, output_hidden_states=True)
    d = (out.logits[0] - ref["logits"]).abs().max().item()
    dh = max((h[0] - ref[f"hidden_states.{i}"]).abs().max().item() for i, h in enumerate(out.hidden_states))
    print(f"fp32 logits max|d|={d:.3e}, hidden max|d|={dh:.3e}")
    ok &= d <= 1e-5 and dh <= 1e-5

    for name in ("greedy.json", "greedy_long.json"):
        g = json.loads((REF / name).read_text())
        p = torch.tensor([g["prompt_ids"]])
        with torch.no_grad():
            o = model.generate(input_ids=p, attention_mask=torch.ones_like(p), do_sample=False, max_new_tokens=32,
                               min_new_tokens=32, use_cache=True, pad_token_id=0)
        same = o[0, p.shape[1]:].tolist() == g["generated_ids"]
        print(f"{name}: {'match' if same else 'MISMATCH'}")
        ok &= same

    mbf = Exaone4_5_ForConditionalGeneration.from_pretrained(str(MBF), dtype=torch.bfloat16, attn_implementation="eager").eval()
    with torch.no_grad():
        lbf = mbf(input_ids=inp, use_cache=False).logits[0].float()
    d = (lbf - load_file(str(REF / "text_bf16.safetensors"))["logits"]).abs().max().item()
    print(f"bf16 logits max|d|={d:.3e}")
    ok &= d <= 1e-2

    ok &= check_vision(model)

    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
