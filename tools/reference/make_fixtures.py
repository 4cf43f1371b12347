#!/usr/bin/env python3
"""Generate the tiny EXAONE 4.5 test checkpoint, tokenizer and HF reference outputs.

Run from anywhere:

    tools/reference/.venv/bin/python tools/reference/make_fixtures.py

Everything is deterministic (fixed seeds, single CPU thread). Outputs go to
tests/fixtures/ (see tests/fixtures/README.md for the file contract).
The model spec is shared/docs/exaone45-model.md (sections 1, 2, 3, 4, 5, 6, 7, 10).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import torch  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers, trainers  # noqa: E402

import transformers  # noqa: E402
from transformers import (  # noqa: E402
    Exaone4_5_Config,
    Exaone4_5_ForConditionalGeneration,
    Exaone4_5_VisionConfig,
    Exaone4Config,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CORPUS_DIR = HERE / "corpus"
FIX = REPO / "tests" / "fixtures"
OUT_FP32 = FIX / "exaone45-tiny"
OUT_BF16 = FIX / "exaone45-tiny-bf16"
OUT_REF = OUT_FP32 / "reference"

SEED = 20260420
VOCAB_SIZE = 1024  # total tokenizer size == model vocab_size

# exaone-moe pre-tokenizer pattern, spec section 7.1, verbatim.
EXAONE_MOE_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?(?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+"
    r"|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]?|\s*[\r\n]|\s+(?!\S)|\s+"
)

# Fixed special ids (spec 7.1) plus our own choices for the role tokens.
FIXED_SPECIALS = {
    0: "[PAD]",
    1: "[BOS]",
    53: "<|endofturn|>",
    54: "<|system|>",
    55: "<|user|>",
    56: "<|assistant|>",
    57: "<|tool|>",
    58: "<|tool_declare|>",
    67: "<|image_pad|>",
    68: "<|video_pad|>",
    73: "<vision>",
    74: "</vision>",
}
NUM_SPECIAL_SLOTS = 75  # ids 0..74 are all special tokens
NON_SPECIAL_ADDED = ["<think>", "</think>", "<tool_call>", "</tool_call>"]


def log(*a):
    print("[make_fixtures]", *a, flush=True)


# ----------------------------------------------------------------------------------------------
# 1. Tokenizer
# ----------------------------------------------------------------------------------------------
def special_token_list() -> list[str]:
    return [FIXED_SPECIALS.get(i, f"<|reserved_{i}|>") for i in range(NUM_SPECIAL_SLOTS)]


def corpus_files() -> list[str]:
    return [str(p) for p in sorted(CORPUS_DIR.glob("*.txt"))]


def build_tokenizer() -> Tokenizer:
    tok = Tokenizer(models.BPE(byte_fallback=False))
    tok.normalizer = None
    try:
        byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)
    except TypeError:  # older tokenizers without the trim_offsets kwarg
        byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(pattern=Regex(EXAONE_MOE_PATTERN), behavior="isolated", invert=False),
            byte_level,
        ]
    )
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = None

    specials = [AddedToken(t, special=True, normalized=False) for t in special_token_list()]
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE - len(NON_SPECIAL_ADDED),
        min_frequency=2,
        show_progress=False,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train(corpus_files(), trainer)
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in NON_SPECIAL_ADDED])

    # --- verify ids and size
    size = tok.get_vocab_size(with_added_tokens=True)
    assert size == VOCAB_SIZE, f"tokenizer size {size} != {VOCAB_SIZE} (corpus too small?)"
    for i, t in enumerate(special_token_list()):
        assert tok.token_to_id(t) == i, (t, tok.token_to_id(t), i)
    for j, t in enumerate(NON_SPECIAL_ADDED):
        assert tok.token_to_id(t) == VOCAB_SIZE - len(NON_SPECIAL_ADDED) + j
    assert tok.encode("<think>\nx\n</think>", add_special_tokens=False).ids[0] == tok.token_to_id("<think>")
    assert tok.decode([tok.token_to_id("<think>"), 53], skip_special_tokens=True) == "<think>"
    return tok


def save_tokenizer(tok: Tokenizer, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tok.save(str(out / "tokenizer.json"), pretty=True)
    # Sanity: the file on disk reproduces the in-memory pre-tokenizer regex byte for byte.
    saved = json.loads((out / "tokenizer.json").read_text(encoding="utf-8"))
    assert saved["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] == EXAONE_MOE_PATTERN
    cfg = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "[BOS]",
        "eos_token": "<|endofturn|>",
        "pad_token": "[PAD]",
        "add_bos_token": False,
        "add_eos_token": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": 512,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")


def tokenizer_cases() -> list[str]:
    cases = [
        "",
        " ",
        "  ",
        "\n",
        "\t",
        "a",
        "A",
        "Z",
        "0",
        "9",
        ".",
        "'",
        "가",
        "한",
        "あ",
        "漢",
        "ß",
        "é",
        "ñ",
        "ệ",
        "😀",
        "\u00a0",
        "\u3000",
        # English
        "Hello world",
        "Hello, world!",
        "The quick brown fox jumps over the lazy dog.",
        "Read this manual completely before installing the pump unit.",
        "WARNING: Disconnect the main power supply before opening the terminal box.",
        "Check the oil level daily and replace the filter every 500 hours.",
        "Tell me about the Miracle on the Han river.",
        "Describe the image.",
        # apostrophes / contractions
        "It's the pump's filter.",
        "they're we've I'm you'll he'd don't",
        "IT'S THEY'RE WE'VE I'M YOU'LL HE'D DON'T",
        "We'LL see. She'S here. They'Re done.",
        "rock 'n' roll",
        "'s 't 're 've 'm 'll 'd",
        "O'Neil's dog's bone",
        "’curly’ quotes aren’t ASCII",
        # Korean
        "안녕하세요",
        "안녕하세요, 만나서 반갑습니다.",
        "한강의 기적은 한국 전쟁 이후의 급속한 경제 성장을 말합니다.",
        "경고: 단자함을 열기 전에 주 전원을 차단하십시오.",
        "청구서의 총액은 1,250,000원입니다.",
        "이 문서를 요약해 주세요.",
        "표의 세 번째 열에 있는 값은 무엇입니까?",
        # Japanese
        "こんにちは世界",
        "東京は日本の首都です。",
        "取扱説明書をよくお読みください。",
        "カタカナとひらがなと漢字",
        "合計金額は１２，５００円です。",
        "ｈｅｌｌｏ　ｗｏｒｌｄ",
        # Vietnamese
        "Xin chào, rất vui được gặp bạn.",
        "Hà Nội là thủ đô của Việt Nam.",
        "ma, má, mà, mả, mã, mạ",
        "Đường phố ở Thành phố Hồ Chí Minh",
        "Tiếng Việt có nhiều dấu thanh: sắc, huyền, hỏi, ngã, nặng.",
        # Vietnamese with combining marks (NFD)
        "Vie\u0323\u0302t Nam",
        "e\u0301 a\u0300 o\u0303",
        # German
        "Grüße aus München!",
        "Die Straße ist gesperrt.",
        "Fußgänger, Äpfel, Öfen, Übungen, weiß, heißen, süß",
        "STRASSE vs. Straße vs. STRAẞE",
        "Über 90 % der Fehler werden durch verschmutztes Öl verursacht.",
        # Spanish
        "¿Qué hacer si la bomba no genera presión?",
        "¡Compruebe primero la válvula de alivio!",
        "El niño comió piñas y jalapeños en la montaña.",
        "La señora García pagó 1.250,00 € por la reparación.",
        # French / others
        "Ça coûte 12,50 € — c'est cher !",
        "Приве́т, мир!",
        "Γειά σου Κόσμε",
        "مرحبا بالعالم",
        "שלום עולם",
        "नमस्ते दुनिया",
        "สวัสดีชาวโลก",
        # digits and numbers
        "0123456789",
        "12345678901234567890",
        "3.14159265358979",
        "1,234,567.89",
        "1.234.567,89",
        "-273.15",
        "6.022e23",
        "0x7FFF_FFFF",
        "2024-03-15T12:34:56Z",
        "+1 (555) 010-4477",
        "v1.2.3-rc4",
        "100%",
        "½ ¾ ² ³ ①②③ Ⅳ",
        "٠١٢٣٤٥٦٧٨٩",
        "１２３４５",
        # part numbers
        "P-1234",
        "HX-200-SL-01",
        "RF-10-25",
        "CP-7.5-4P",
        "A1B2-C3D4",
        "Part no. P-1234 (qty 2), HX-200-SL-01 and SS-40-150.",
        "X-99/Y-100",
        # emoji
        "👍",
        "👍🏽",
        "👨‍👩‍👧‍👦",
        "👩🏿‍💻",
        "🏳️‍🌈",
        "❤️",
        "🇰🇷🇯🇵🇻🇳",
        "Great job 🎉🎉🎉!",
        "emoji😀in😀text",
        "1️⃣ 2️⃣ #️⃣",
        # whitespace
        "a\tb",
        "a\t\tb",
        "\ttab first",
        "a  b",
        "a   b    c",
        "a\nb",
        "a\n\nb",
        "a\r\nb",
        "line1\r\nline2\r\n",
        "trailing space ",
        "trailing spaces   ",
        "   leading spaces",
        "a\u00a0b",
        "NBSP\u00a0\u00a0twice",
        "a\u3000b",
        "全角\u3000スペース",
        "a\u2009b\u200bc",
        "mixed \t \n \r\n whitespace",
        " \n ",
        "\n\n\n",
        "word\n",
        "  \n  indented\n",
        "a\x0bb\x0cc",
        # mixed scripts without spaces
        "한국어English日本語",
        "abc한글def",
        "HX-200펌프",
        "테스트test123テスト",
        "Việt日本한국Deutschü",
        "Größe크기サイズ",
        # punctuation runs
        "...",
        "!!!???",
        "Wait... what?!",
        "----------",
        "==========",
        "***bold*** __under__",
        "(a) [b] {c} <d>",
        "a/b/c",
        "path/to/file.txt",
        "C:\\Program Files\\App\\app.exe",
        "“quoted” «guillemets» „German“",
        "—–-",
        "#include <vector>",
        "@user #tag $100 ^caret &amp; ~tilde `tick`",
        # URLs / e-mail
        "https://www.example.com/docs/v2/index.html?lang=ko&page=3#section-4",
        "http://localhost:8080/api/v1/items/42",
        "mailto:user@example.org",
        "user@example.org",
        "ftp://ftp.example.net/pub/file.tar.gz",
        # code
        "def f(x):\n    return x * 2\n",
        "for (int i = 0; i < n; ++i) { sum += a[i]; }",
        "if (x != nullptr && y >= 0) { return x->data[y]; }",
        "std::vector<std::string> v{\"a\", \"b\"};",
        '{"name": "get_weather", "arguments": {"city": "Seoul"}}',
        "SELECT * FROM t WHERE id = 1;",
        "x = [1, 2, 3]\nprint(x)",
        "    indented code\n\tand tab\n",
        "a+=1;b-=2;c*=3;d/=4;",
        "<html><body><p>Hi</p></body></html>",
        # special tokens embedded in text
        "[PAD]",
        "[BOS]",
        "<|endofturn|>",
        "Hello<|endofturn|>world",
        "Hello <|endofturn|> world",
        "<vision><|image_pad|></vision>\n",
        "<vision><|image_pad|><|image_pad|><|image_pad|></vision>\n",
        "<vision><|video_pad|></vision>\n",
        "<think>\nreasoning\n</think>\n\n",
        "<think>\n\n</think>\n\n",
        "<tool_call>{\"name\": \"f\"}</tool_call>",
        "<|system|>\nYou are helpful.<|endofturn|>\n",
        "<|user|>\nHi<|endofturn|>\n<|assistant|>\n<think>\n",
        "<|tool_declare|>\n# Tools\n<|endofturn|>\n<|tool|>\nresult<|endofturn|>\n",
        "[BOS]Hello[PAD][PAD]",
        "<|reserved_2|><|reserved_70|>",
        "x<think>y</think>z",
        # almost special tokens
        "<|endofturn|",
        "|endofturn|>",
        "<|endofturn",
        "< vision>",
        "<vision >",
        "<Vision>",
        "<|ENDOFTURN|>",
        "<|image_pad|x",
        "<thinking>",
        "</ think>",
        "[BOS",
        "[ PAD]",
        "<<|endofturn|>>",
        "<|<|endofturn|>|>",
    ]
    # long paragraphs (~500 chars)
    paras = [
        (
            "Read this manual completely before installing, operating, or servicing the pump unit. "
            "Failure to follow the instructions may result in serious injury, equipment damage, or loss "
            "of warranty coverage. Keep this manual near the equipment so that operators and maintenance "
            "personnel can consult it at any time. WARNING: Disconnect the main power supply and lock out "
            "the circuit breaker before opening the terminal box. Residual pressure (up to 210 bar) may "
            "remain in the hydraulic lines; open the bleed valve P-1234 first."
        ),
        (
            "문서 처리 시스템은 스캔한 페이지를 읽고 레이아웃을 인식하여 텍스트, 표, 그림을 추출합니다. "
            "각 페이지는 먼저 회색조 이미지로 변환된 다음 여러 영역으로 나뉩니다. 영역에는 문단, 제목, 표, "
            "목록, 캡션 또는 그림이 들어 있을 수 있습니다. 시스템은 사람이 읽는 순서대로 텍스트를 내보낼 수 "
            "있도록 영역에 읽기 순서를 지정합니다. 표는 가장 어려운 부분입니다. 표에는 병합된 셀이나 회전된 "
            "머리글이 있거나 눈에 보이는 선이 전혀 없을 수도 있습니다. 청구서의 총액은 1,250,000원입니다."
        ),
        (
            "文書処理システムは、スキャンしたページを読み取り、レイアウトを認識して、テキスト、表、図を抽出します。"
            "各ページはまずグレースケール画像に変換され、いくつかの領域に分割されます。領域には段落、見出し、表、"
            "リスト、キャプション、または図が含まれます。表は最も難しい部分です。表には結合されたセルや回転した"
            "見出しがあったり、線がまったく見えなかったりします。請求書の合計金額は１２，５００円です。"
            "東京は日本の首都です。今日はいい天気ですね。ありがとうございます。よろしくお願いします。"
        ),
        (
            "Hệ thống xử lý tài liệu đọc các trang đã quét, nhận dạng bố cục và trích xuất văn bản, bảng biểu "
            "và hình ảnh. Mỗi trang trước tiên được chuyển thành ảnh xám rồi chia thành nhiều vùng. Bảng là phần "
            "khó nhất, vì có thể có ô gộp, tiêu đề xoay hoặc không có đường kẻ. Die Straße ist gesperrt, weil "
            "die Brücke über den Fluss repariert wird; Größere Tabellen sind schwierig. ¿Qué hacer si la bomba "
            "no genera presión? ¡Compruebe primero la válvula! Mixed 한국어 and English in one paragraph 🎉."
        ),
        (
            "def smart_resize(height, width, factor=28, min_pixels=3136, max_pixels=3211264):\n"
            "    h_bar = round(height / factor) * factor\n"
            "    w_bar = round(width / factor) * factor\n"
            "    if h_bar * w_bar > max_pixels:\n"
            "        beta = math.sqrt((height * width) / max_pixels)\n"
            "        h_bar = math.floor(height / beta / factor) * factor\n"
            "        w_bar = math.floor(width / beta / factor) * factor\n"
            "    return h_bar, w_bar\n\n"
            "# https://example.com/a?b=c&d=e  \t  trailing\r\n"
            "x = {'P-1234': 12, 'HX-200-SL-01': 3.5, \"emoji\": \"👩🏿‍💻\"}\n"
        ),
    ]
    cases += paras
    # Every non-empty line of the corpus (a lot of realistic text), in file order.
    for f in corpus_files():
        for line in Path(f).read_text(encoding="utf-8").splitlines():
            if line.strip():
                cases.append(line)
    # Deduplicate, keep order.
    seen, out = set(), []
    for c in cases:
        if c not in seen:
            seen.add(c)
            out.append(c)
    return out


NCASES = [0]


def write_tokens_json(tok: Tokenizer, path: Path) -> None:
    rows = []
    for text in tokenizer_cases():
        ids = tok.encode(text, add_special_tokens=False).ids
        rows.append(
            {
                "text": text,
                "ids": ids,
                "decoded": tok.decode(ids, skip_special_tokens=False),
                "decoded_skip_special": tok.decode(ids, skip_special_tokens=True),
            }
        )
        # Byte-level BPE round-trips exactly when nothing is skipped.
        assert rows[-1]["decoded"] == text, (text, rows[-1]["decoded"])
    # One case per line: compact, diff-friendly, raw UTF-8 (control characters are \-escaped).
    body = ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
    path.write_text("[\n" + body + "\n]\n", encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == rows
    NCASES[0] = len(rows)
    log(f"tokens.json: {len(rows)} cases")


# ----------------------------------------------------------------------------------------------
# 2. Model
# ----------------------------------------------------------------------------------------------
def make_config(vocab_size: int) -> Exaone4_5_Config:
    text = Exaone4Config(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        sliding_window=8,
        layer_types=["sliding_attention", "sliding_attention", "sliding_attention", "full_attention"],
        rope_parameters={
            "rope_type": "llama3",
            "rope_theta": 1000000.0,
            "factor": 16.0,
            "low_freq_factor": 1.0,
            "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8192,
        },
        max_position_embeddings=512,
        rms_norm_eps=1e-5,
        hidden_act="silu",
        bos_token_id=1,
        eos_token_id=53,
        pad_token_id=0,
        tie_word_embeddings=False,
    )
    vision = Exaone4_5_VisionConfig(
        depth=4,
        hidden_size=64,
        intermediate_size=128,
        num_heads=4,
        num_key_value_heads=2,
        in_channels=3,
        patch_size=14,
        temporal_patch_size=2,
        spatial_merge_size=2,
        window_size=56,
        fullatt_block_indexes=[1, 3],
        out_hidden_size=64,
        hidden_act="silu",
    )
    cfg = Exaone4_5_Config(
        text_config=text.to_dict(),
        vision_config=vision.to_dict(),
        image_token_id=67,
        video_token_id=68,
        tie_word_embeddings=False,
        vision_start_token_id=73,
        vision_end_token_id=74,
    )
    cfg.bos_token_id = 1
    cfg.eos_token_id = 53
    cfg.pad_token_id = 0
    return cfg


def build_model(vocab_size: int) -> Exaone4_5_ForConditionalGeneration:
    torch.manual_seed(SEED)
    cfg = make_config(vocab_size)
    model = Exaone4_5_ForConditionalGeneration(cfg)
    model = model.to(torch.float32)
    model.config._attn_implementation = "eager"
    model.model.language_model.config._attn_implementation = "eager"
    model.model.visual.config._attn_implementation = "eager"
    model.eval()
    # Re-randomise every parameter (HF sets norms to 1 and biases to 0; we want neither).
    gen = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
            noise = torch.randn(p.shape, generator=gen, dtype=torch.float32)
            leaf = name.split(".")[-2] if name.endswith(".weight") else ""
            if p.ndim == 1 and name.endswith(".weight") and ("norm" in leaf or leaf == "ln_q"):
                p.copy_(1.0 + 0.1 * noise)
            else:
                p.copy_(0.02 * noise)
    return model


def check_tensor_names(sd_keys: list[str]) -> None:
    assert "lm_head.weight" in sd_keys
    assert "model.language_model.embed_tokens.weight" in sd_keys
    assert "model.visual.patch_embed.proj.weight" in sd_keys
    bad = [k for k in sd_keys if not (k.startswith("model.language_model.") or k.startswith("model.visual.") or k == "lm_head.weight")]
    assert not bad, bad
    # 11 tensors per text layer + embed + norm; 12 per vision block + patch embed + 5 merger.
    n_text = sum(k.startswith("model.language_model.") for k in sd_keys)
    n_vis = sum(k.startswith("model.visual.") for k in sd_keys)
    assert n_text == 4 * 11 + 2, n_text
    assert n_vis == 4 * 12 + 1 + 5, n_vis
    assert not any("input_layernorm" in k for k in sd_keys)


# ----------------------------------------------------------------------------------------------
# 3. Independent re-implementation of spec section 4 (cross-check of HF, not of the engine)
# ----------------------------------------------------------------------------------------------
def spec_text_forward(sd: dict[str, torch.Tensor], cfg: Exaone4_5_Config, ids: torch.Tensor):
    tc = cfg.text_config
    H, KV = tc.num_attention_heads, tc.num_key_value_heads
    D = tc.hidden_size // H
    W = tc.sliding_window
    eps = tc.rms_norm_eps
    rp = tc.rope_parameters
    T = ids.shape[0]
    f64 = torch.float64

    def rms(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w

    i = torch.arange(0, D // 2, dtype=f64)
    freq = rp["rope_theta"] ** (-2.0 * i / D)
    lam = 2 * math.pi / freq
    orig = rp["original_max_position_embeddings"]
    lam_hi, lam_lo = orig / rp["high_freq_factor"], orig / rp["low_freq_factor"]
    s = (orig / lam - rp["low_freq_factor"]) / (rp["high_freq_factor"] - rp["low_freq_factor"])
    f_new = torch.where(lam < lam_hi, freq, torch.where(lam > lam_lo, freq / rp["factor"], (1 - s) * freq / rp["factor"] + s * freq))
    ang = torch.arange(T, dtype=f64)[:, None] * f_new[None, :]
    cos, sin = torch.cat([ang.cos()] * 2, -1), torch.cat([ang.sin()] * 2, -1)  # [T, D]

    def rope(x):  # x [T, h, D]
        x1, x2 = x[..., : D // 2], x[..., D // 2 :]
        rot = torch.cat([-x2, x1], -1)
        return x * cos[:, None, :] + rot * sin[:, None, :]

    g = lambda k: sd[k].to(f64)  # noqa: E731
    h = g("model.language_model.embed_tokens.weight")[ids]
    states = [h]
    qi = torch.arange(T)[:, None]
    kj = torch.arange(T)[None, :]
    for layer in range(tc.num_hidden_layers):
        p = f"model.language_model.layers.{layer}."
        sliding = tc.layer_types[layer] == "sliding_attention"
        q = (h @ g(p + "self_attn.q_proj.weight").T).view(T, H, D)
        k = (h @ g(p + "self_attn.k_proj.weight").T).view(T, KV, D)
        v = (h @ g(p + "self_attn.v_proj.weight").T).view(T, KV, D)
        q, k = rms(q, g(p + "self_attn.q_norm.weight")), rms(k, g(p + "self_attn.k_norm.weight"))
        if sliding:
            q, k = rope(q), rope(k)
        vis = kj <= qi
        if sliding:
            vis = vis & (qi - kj < W)
        heads = []
        for hh in range(H):
            kv = hh // (H // KV)
            sc = (q[:, hh] @ k[:, kv].T) / math.sqrt(D)
            sc = sc.masked_fill(~vis, float("-inf"))
            heads.append(torch.softmax(sc, -1) @ v[:, kv])
        a = torch.cat(heads, -1) @ g(p + "self_attn.o_proj.weight").T
        h = h + rms(a, g(p + "post_attention_layernorm.weight"))
        f = (torch.nn.functional.silu(h @ g(p + "mlp.gate_proj.weight").T) * (h @ g(p + "mlp.up_proj.weight").T)) @ g(p + "mlp.down_proj.weight").T
        h = h + rms(f, g(p + "post_feedforward_layernorm.weight"))
        states.append(h)
    hf = rms(h, g("model.language_model.norm.weight"))
    logits = hf @ g("lm_head.weight").T
    return states, hf, logits


# ----------------------------------------------------------------------------------------------
# 4. Reference outputs
# ----------------------------------------------------------------------------------------------
TEXT_SENTENCE = (
    "Check the oil level of the HX-200 pump every day before you start it. "
    "펌프를 시작하기 전에 매일 오일 수준을 확인하십시오. Replace the return filter every 500 hours."
)
GREEDY_SENTENCE = "Read this manual completely before installing the pump unit. 경고: 전원을 차단하십시오."
T_TEXT = 40


def text_input_ids(tok: Tokenizer) -> list[int]:
    ids = tok.encode(TEXT_SENTENCE, add_special_tokens=False).ids
    while len(ids) < T_TEXT:
        ids = ids + ids
    return ids[:T_TEXT]


def greedy(model, prompt: list[int], n: int = 32) -> tuple[list[int], float]:
    inp = torch.tensor([prompt], dtype=torch.long)
    with torch.no_grad():
        out = model.generate(
            input_ids=inp,
            attention_mask=torch.ones_like(inp),
            do_sample=False,
            max_new_tokens=n,
            min_new_tokens=n,
            use_cache=True,
            pad_token_id=0,
        )
    gen = out[0, len(prompt) :].tolist()
    assert len(gen) == n, len(gen)
    # The continuation must equal plain argmax of a full no-cache forward at every step. This catches
    # (a) min_new_tokens having masked an EOS that would otherwise be the argmax, and (b) cache bugs.
    full = torch.tensor([prompt + gen], dtype=torch.long)
    with torch.no_grad():
        logits = model(input_ids=full, use_cache=False).logits[0]
    pred = logits[len(prompt) - 1 : -1].argmax(-1).tolist()
    assert pred == gen, ("greedy != argmax of full forward", pred, gen)
    top2 = logits[len(prompt) - 1 : -1].topk(2, dim=-1).values
    margin = (top2[:, 0] - top2[:, 1]).min().item()
    return gen, margin


REFERENCE_README = """\
# Reference outputs of the tiny EXAONE 4.5 checkpoint

Generated by `tools/reference/make_fixtures.py` (do not edit by hand) with transformers {tf},
torch {torch}, tokenizers {tk}, safetensors {st}, on CPU, one thread, float32 eager attention.
The model is `../` (`tests/fixtures/exaone45-tiny`), vocab_size {V}.

## tokens.json
JSON array, one object per line: `{{"text", "ids", "decoded", "decoded_skip_special"}}`.
`ids` = `Tokenizer.from_file("../tokenizer.json").encode(text, add_special_tokens=False).ids` (no BOS);
`decoded` = `decode(ids, skip_special_tokens=False)` (always equals `text`);
`decoded_skip_special` = `decode(ids, skip_special_tokens=True)` (special tokens, i.e. ids 0-74, are
dropped; `<think>`, `</think>`, `<tool_call>`, `</tool_call>` are not special and are kept). {ncases} cases.

## text.safetensors (text-only forward, fp32 model, full sequence, no KV cache, positions 0..T-1)
| tensor | dtype | shape | meaning |
| --- | --- | --- | --- |
| `input_ids` | int64 | [{T}] | English+Korean sentence, no BOS, cut to T = {T} (>= 4 x sliding_window) |
| `logits` | float32 | [{T}, {V}] | `lm_head(norm(h))` for every position |
| `hidden_states.0` | float32 | [{T}, 64] | embedding output `embed_tokens[input_ids]` (input of layer 0, no scaling) |
| `hidden_states.i`, i = 1..{Lm1} | float32 | [{T}, 64] | output of decoder layer i-1 (residual stream after its MLP add), no final norm |
| `hidden_states.{L}` | float32 | [{T}, 64] | **final RMSNorm applied**: `norm(output of layer {Lm1})`, i.e. exactly the vector fed to lm_head |
| `final_layer_output_prenorm` | float32 | [{T}, 64] | output of layer {Lm1} *before* the final norm (extra; HF does not expose it) |

HF v5 records `hidden_states` with hooks (embedding + each layer output) and then replaces the last
entry with `last_hidden_state`, which is post-norm. The script asserts this layout bit-exactly with
forward hooks, and cross-checks HF against an independent float64 re-implementation of spec section 4
(max |d logits| = {err_l:.1e}, max |d hidden| = {err_h:.1e}).

## text_bf16.safetensors
`logits` float32 [{T}, {V}]: same `input_ids` through `../../exaone45-tiny-bf16` loaded with
`dtype=torch.bfloat16` (every op in bf16 on CPU; HF does RMSNorm statistics and softmax in fp32), cast to
float32. max |bf16 - fp32| = {bfd:.2e} (max |logit| = {lmax:.2e}).

## greedy.json, greedy_long.json
`{{"prompt_ids": [...], "generated_ids": [32 ids]}}` from `model.generate(do_sample=False,
max_new_tokens=32, min_new_tokens=32, use_cache=True)` on the fp32 model. The script checks that every
generated id is also the plain argmax of a full no-cache forward (so `min_new_tokens` never masked an EOS
and no tie was involved). greedy.json: prompt of {np_s} tokens (min top1-top2 logit margin {m_s:.2e});
greedy_long.json: the {T}-token `input_ids` above as prompt, longer than the window (margin {m_l:.2e}).
"""


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False) + "\n", encoding="utf-8")


# ----------------------------------------------------------------------------------------------
# 5. Vision references: image processor, synthetic images, vision tower, multimodal forward
# ----------------------------------------------------------------------------------------------
MIN_PIXELS = 56 * 56  # 3136
MAX_PIXELS = 28 * 28 * 48  # 37632 (tiny limit; the real model uses 3211264)
IMAGE_SPECS = [  # (name, width, height, why)
    ("a_56x84", 56, 84, "no resize (both sides already multiples of 28)"),
    ("b_70x70", 70, 70, "round-half-to-even: 70/28 = 2.5 -> 2 -> 56x56 (std::round would give 84x84)"),
    ("c_30x40", 30, 40, "below min_pixels: ceil branch, upscaled"),
    ("d_300x200", 300, 200, "above max_pixels: floor branch, downscaled"),
    ("e_123x457", 123, 457, "awkward aspect, above max_pixels; windows partial along both axes"),
    ("f_90x75", 90, 75, "mixed resize (width down, height up) to 84x84; windows partial along both axes"),
]
PV_MAX_PATCHES = 64  # pixel_values are stored only for images with <= 64 patches (size budget)
# Tower intermediates: `debug.*` for image 0 (a_56x84, as specified; its window permutation happens to be
# the identity) and the same set as `debug_f.*` for image 5 (f_90x75, non-trivial permutation).
DEBUG_PREFIX = {0: "debug", 5: "debug_f"}
MM_PROMPTS = [  # (name, image keys, text with one <|image_pad|> per image)
    (
        "one_image",
        [5],
        "<|user|>\n<vision><|image_pad|></vision>\nRead the warning label on the pump.<|endofturn|>\n<|assistant|>\n",
    ),
    (
        "two_images",
        [0, 1],
        "<|user|>\n<vision><|image_pad|></vision>\n<vision><|image_pad|></vision>\n"
        "Which page shows the pump?<|endofturn|>\n<|assistant|>\n",
    ),
]


def make_image(width: int, height: int, seed: int):
    """Deterministic synthetic RGB uint8 image: gradients, hard-edged shapes, saturated areas, noise."""
    import numpy as np

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    u, v = x / max(width - 1, 1), y / max(height - 1, 1)
    img = np.stack(
        [255.0 * u, 255.0 * v, 127.5 + 100.0 * np.sin(2 * np.pi * (1.5 * u + 0.75 * v))], axis=-1
    )
    # hard-edged shapes (bicubic overshoot at the edges exercises the uint8 clamping)
    cx, cy, r = 0.35 * width, 0.4 * height, 0.22 * min(width, height)
    img[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = (250.0, 20.0, 40.0)
    img[int(0.55 * height) : int(0.8 * height), int(0.5 * width) : int(0.9 * width)] = (0.0, 0.0, 0.0)
    img[int(0.6 * height) : int(0.7 * height), int(0.6 * width) : int(0.8 * width)] = (255.0, 255.0, 255.0)
    img[np.abs((x - 0.1 * width) - 0.6 * (y - 0.1 * height)) < 1.0] = (20.0, 200.0, 60.0)  # thin line
    # noise in the upper-right quarter
    noisy = (x >= width // 2) & (y < height // 2)
    img[noisy] += rng.normal(0.0, 12.0, size=(int(noisy.sum()), 3))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def _png_save(arr, path: Path) -> None:
    from PIL import Image

    Image.fromarray(arr).save(str(path), format="PNG", compress_level=9)


# --- independent numpy port of the resize that HF actually runs (see the reference README) -----
def _cubic_aa(x: float) -> float:
    a = -0.5
    x = abs(x)
    if x < 1.0:
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    if x < 2.0:
        return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a
    return 0.0


def _aa_int16_weights(in_size: int, out_size: int):
    scale = in_size / out_size
    support = 2.0 * scale if scale >= 1.0 else 2.0
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    kmax = int(math.ceil(support)) * 2 + 1
    rows, wt_max = [], 0.0
    for i in range(out_size):
        center = scale * (i + 0.5)
        xmin = max(int(center - support + 0.5), 0)
        xsize = min(max(min(int(center + support + 0.5), in_size) - xmin, 0), kmax)
        ws = [_cubic_aa((j + xmin - center + 0.5) * invscale) for j in range(xsize)]
        total = 0.0
        for w in ws:
            total += w
        if total != 0.0:
            ws = [w / total for w in ws]
            wt_max = max([wt_max] + ws)
        rows.append((xmin, ws))
    prec = 0
    while prec < 22 and int(0.5 + wt_max * (1 << (prec + 1))) < (1 << 15):
        prec += 1
    q = [(xmin, [int(-0.5 + w * (1 << prec)) if w * (1 << prec) < 0 else int(0.5 + w * (1 << prec)) for w in ws]) for xmin, ws in rows]
    return q, prec


def _aa_pass(img, out_size: int, axis: int):
    import numpy as np

    q, prec = _aa_int16_weights(img.shape[axis], out_size)
    src = np.moveaxis(img.astype(np.int64), axis, 0)
    out = np.empty((out_size,) + src.shape[1:], dtype=np.int64)
    for i, (xmin, ws) in enumerate(q):
        acc = np.full(src.shape[1:], 1 << (prec - 1), dtype=np.int64)
        for j, w in enumerate(ws):
            acc += w * src[xmin + j]
        out[i] = np.clip(acc >> prec, 0, 255)  # arithmetic shift = floor, then saturate
    return np.moveaxis(out, 0, axis).astype(np.uint8)


def port_resize_u8(hwc, out_h: int, out_w: int):
    h, w = hwc.shape[:2]
    if out_w != w:
        hwc = _aa_pass(hwc, out_w, 1)  # horizontal first, result rounded to uint8
    if out_h != h:
        hwc = _aa_pass(hwc, out_h, 0)
    return hwc


def port_smart_resize(h: int, w: int, factor: int = 28, min_pixels: int = MIN_PIXELS, max_pixels: int = MAX_PIXELS):
    hb, wb = round(h / factor) * factor, round(w / factor) * factor  # Python round: half to even
    if hb * wb > max_pixels:
        beta = math.sqrt((h * w) / max_pixels)
        hb = max(factor, math.floor(h / beta / factor) * factor)
        wb = max(factor, math.floor(w / beta / factor) * factor)
    elif hb * wb < min_pixels:
        beta = math.sqrt(min_pixels / (h * w))
        hb = math.ceil(h * beta / factor) * factor
        wb = math.ceil(w * beta / factor) * factor
    return hb, wb


def port_pixel_values(resized_hwc, mean, std):
    """float32 (x - 255*mean) / (255*std), then the block-major patch flattening of spec 6.5."""
    import numpy as np

    m = np.float32(np.array(mean, dtype=np.float32) * np.float32(255.0))
    s = np.float32(np.array(std, dtype=np.float32) * np.float32(255.0))
    x = (resized_hwc.astype(np.float32) - m) / s  # [H, W, 3] float32
    H, W = x.shape[:2]
    gh, gw = H // 14, W // 14
    x = x.transpose(2, 0, 1).reshape(3, gh // 2, 2, 14, gw // 2, 2, 14)
    x = x.transpose(1, 4, 2, 5, 0, 3, 6)  # bh, bw, mh, mw, c, py, px
    x = np.repeat(x[:, :, :, :, :, None], 2, axis=5)  # temporal duplicate: c, tp, py, px
    return np.ascontiguousarray(x.reshape(gh * gw, 3 * 2 * 14 * 14)), (1, gh, gw)


# --- independent float64 implementation of spec section 3 ----------------------------------------
def spec_window_index(grid_thw, S: int):
    """Spec 3.5: per image and frame, tile the lh x lw unit grid with S x S windows (partial at the edges)."""
    index, cu, off = [], [0], 0
    for t, h, w in grid_thw:
        lh, lw = h // 2, w // 2
        for tt in range(t):
            for y0 in range(0, lh, S):
                for x0 in range(0, lw, S):
                    n = 0
                    for yy in range(y0, min(y0 + S, lh)):
                        for xx in range(x0, min(x0 + S, lw)):
                            index.append(off + tt * lh * lw + yy * lw + xx)
                            n += 1
                    cu.append(cu[-1] + 4 * n)
        off += t * lh * lw
    return torch.tensor(index, dtype=torch.int64), torch.tensor(cu, dtype=torch.int64)


def spec_vision_forward(sd: dict[str, torch.Tensor], vc, pixel_values: torch.Tensor, grid_thw: list[tuple[int, int, int]]):
    f64 = torch.float64
    g = lambda k: sd["model.visual." + k].to(f64)  # noqa: E731
    D, H, KV = vc.hidden_size, vc.num_heads, vc.num_key_value_heads
    hd = D // H
    nf = hd // 4
    eps = 1e-6
    S = vc.window_size // vc.spatial_merge_size // vc.patch_size

    def rms(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w

    X = pixel_values.to(f64) @ g("patch_embed.proj.weight").reshape(D, -1).T  # [N, D], no bias
    out = {"patch_embed": X.clone()}
    pos = []  # spec 3.3: bh, bw, dh, dw
    for t, h, w in grid_thw:
        one = [(2 * bh + dh, 2 * bw + dw) for bh in range(h // 2) for bw in range(w // 2) for dh in range(2) for dw in range(2)]
        pos += one * t
    pos = torch.tensor(pos, dtype=f64)
    inv = vc.rope_parameters["rope_theta"] ** (-torch.arange(nf, dtype=f64) / nf)
    phi = torch.cat([pos[:, :1] * inv, pos[:, 1:] * inv], -1)
    emb = torch.cat([phi, phi], -1)
    cos, sin = emb.cos(), emb.sin()
    widx, cuw = spec_window_index(grid_thw, S)
    out["window_index"], out["cu_window_seqlens"] = widx, cuw
    N = X.shape[0]
    M = N // 4
    perm = lambda a: a.reshape(M, 4, -1)[widx].reshape(N, -1)  # noqa: E731
    X, cos, sin = perm(X), perm(cos), perm(sin)
    cu_full = [0]
    for t, h, w in grid_thw:
        for _ in range(t):
            cu_full.append(cu_full[-1] + h * w)

    def rope(x):
        return x * cos[:, None] + torch.cat([-x[..., hd // 2 :], x[..., : hd // 2]], -1) * sin[:, None]

    for b in range(vc.depth):
        p = f"blocks.{b}."
        cu = cu_full if b in vc.fullatt_block_indexes else cuw.tolist()
        a = rms(X, g(p + "norm1.weight"))
        qkv = a @ g(p + "attn.qkv.weight").T + g(p + "attn.qkv.bias")
        q = qkv[:, : H * hd].reshape(N, H, hd)
        k = qkv[:, H * hd : (H + KV) * hd].reshape(N, KV, hd)
        v = qkv[:, (H + KV) * hd :].reshape(N, KV, hd)
        q, k = rope(q), rope(k)
        c = torch.zeros(N, H, hd, dtype=f64)
        for s0, s1 in zip(cu[:-1], cu[1:]):
            for hh in range(H):
                kv = hh // (H // KV)
                sc = (q[s0:s1, hh] @ k[s0:s1, kv].T) * hd**-0.5
                c[s0:s1, hh] = torch.softmax(sc, -1) @ v[s0:s1, kv]
        X = X + c.reshape(N, D) @ g(p + "attn.proj.weight").T + g(p + "attn.proj.bias")
        m = rms(X, g(p + "norm2.weight"))
        gate = m @ g(p + "mlp.gate_proj.weight").T + g(p + "mlp.gate_proj.bias")
        up = m @ g(p + "mlp.up_proj.weight").T + g(p + "mlp.up_proj.bias")
        X = X + (torch.nn.functional.silu(gate) * up) @ g(p + "mlp.down_proj.weight").T + g(p + "mlp.down_proj.bias")
        out[f"block.{b}"] = X.clone()
    y = rms(X, g("merger.ln_q.weight")).reshape(M, 4 * D)
    z = torch.nn.functional.gelu(y @ g("merger.mlp.0.weight").T + g("merger.mlp.0.bias"))
    merged = z @ g("merger.mlp.2.weight").T + g("merger.mlp.2.bias")
    out["merger"] = merged
    out["features"] = merged[torch.argsort(widx)]
    return out


def vision_references(model, sd32: dict[str, torch.Tensor], tok: Tokenizer) -> dict:
    """Writes preprocessor_config.json (both checkpoints), reference/images/*.png,
    reference/vision.safetensors, reference/multimodal.{safetensors,json}. Returns facts for the README."""
    import numpy as np
    from PIL import Image

    import torchvision
    from transformers import AutoImageProcessor, AutoTokenizer, Exaone4_5_Processor
    from transformers.vision_utils import get_vision_window_index

    facts: dict = {"torchvision": torchvision.__version__, "pillow": Image.__version__}

    # --- image processor: the class AutoImageProcessor picks for model_type exaone4_5 (torchvision backend)
    from transformers.models.auto.image_processing_auto import IMAGE_PROCESSOR_MAPPING_NAMES

    picked = IMAGE_PROCESSOR_MAPPING_NAMES["exaone4_5"]
    cls_name = picked["torchvision"] if isinstance(picked, dict) else picked
    ip_cls = getattr(transformers, cls_name)
    ip = ip_cls(min_pixels=MIN_PIXELS, max_pixels=MAX_PIXELS)
    ip.save_pretrained(str(OUT_FP32))
    shutil.copyfile(OUT_FP32 / "preprocessor_config.json", OUT_BF16 / "preprocessor_config.json")
    proc = AutoImageProcessor.from_pretrained(str(OUT_FP32))
    assert type(proc) is ip_cls, type(proc)
    assert proc.size["shortest_edge"] == MIN_PIXELS and proc.size["longest_edge"] == MAX_PIXELS
    assert int(proc.resample) == 3  # PIL BICUBIC -> torchvision InterpolationMode.BICUBIC, antialias=True
    facts["processor"] = cls_name
    log(f"image processor: {cls_name} (AutoImageProcessor), min/max pixels {MIN_PIXELS}/{MAX_PIXELS}")

    # --- the integer resize port must equal torch's uint8 bicubic-antialias kernel beyond our six images too
    rng = np.random.default_rng(SEED)
    worst_float = 0
    for n in range(40):
        h, w, oh, ow = (int(v) for v in rng.integers(5, 160, 4))
        arr = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        if n % 2:  # hard black/white blocks: maximal bicubic overshoot
            arr = (np.kron(rng.integers(0, 2, (h // 4 + 1, w // 4 + 1, 1)), np.ones((4, 4, 3))) * 255)[:h, :w].astype(np.uint8)
        t = torch.from_numpy(arr).permute(2, 0, 1).contiguous()[None]
        ref = torch.nn.functional.interpolate(t, size=[oh, ow], mode="bicubic", antialias=True, align_corners=False)
        assert ref.dtype == torch.uint8
        ref = ref[0].permute(1, 2, 0).numpy()
        assert np.array_equal(port_resize_u8(arr, oh, ow), ref), ("resize port", h, w, oh, ow)
        fl = torch.nn.functional.interpolate(t.float(), size=[oh, ow], mode="bicubic", antialias=True, align_corners=False)
        fl = fl.round().clamp(0, 255)[0].permute(1, 2, 0).numpy()
        worst_float = max(worst_float, int(np.abs(fl - ref.astype(np.float32)).max()))
    facts["worst_float"] = worst_float
    facts["cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    log(f"resize port == torch uint8 kernel on 40 random size pairs ({facts['cpu_capability']}); float path differs by up to {worst_float}")

    # --- images
    img_dir = OUT_REF / "images"
    img_dir.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    info = []
    pil_images = []
    for k, (name, W, Hh, why) in enumerate(IMAGE_SPECS):
        arr = make_image(W, Hh, SEED + 100 + k)
        _png_save(arr, img_dir / f"{name}.png")
        pil = Image.open(img_dir / f"{name}.png")
        pil.load()
        assert pil.mode == "RGB" and np.array_equal(np.asarray(pil), arr), name
        pil_images.append(pil)

        bf = proc(images=[pil], return_tensors="pt")
        pv, grid = bf["pixel_values"], bf["image_grid_thw"]
        assert pv.dtype == torch.float32 and grid.dtype == torch.int64 and grid.shape == (1, 3)
        # The exact uint8 image that HF resizes to (the same call the processor makes) ...
        hb, wb = port_smart_resize(Hh, W)
        chw = torch.from_numpy(arr).permute(2, 0, 1).contiguous()
        resized_t = proc.resize(chw[None], size=proc.size, resample=proc.resample, factor=28)[0]
        resized = resized_t.permute(1, 2, 0).contiguous().numpy()
        assert resized.shape == (hb, wb, 3), (name, resized.shape, hb, wb)
        # ... equals the independent integer port, and normalise+flatten of it equals HF's pixel_values bit for bit.
        assert np.array_equal(port_resize_u8(arr, hb, wb), resized), f"{name}: resize port mismatch"
        ppv, pgrid = port_pixel_values(resized, proc.image_mean, proc.image_std)
        assert tuple(grid[0].tolist()) == pgrid, (name, grid, pgrid)
        assert np.array_equal(ppv, pv.numpy()), f"{name}: pixel_values port mismatch"
        t_, gh, gw = grid[0].tolist()
        tensors[f"image.{k}"] = torch.from_numpy(arr.copy())
        tensors[f"resized.{k}"] = torch.from_numpy(resized.copy())
        if pv.shape[0] <= PV_MAX_PATCHES:
            tensors[f"pixel_values.{k}"] = pv.contiguous()
        tensors[f"grid_thw.{k}"] = grid[0].contiguous()
        lh, lw = gh // 2, gw // 2
        S = model.config.vision_config.window_size // 2 // 14
        info.append(
            {"k": k, "name": name, "W": W, "H": Hh, "why": why, "resized": (hb, wb), "grid": (t_, gh, gw),
             "patches": pv.shape[0], "tokens": pv.shape[0] // 4, "partial_h": lh % S != 0, "partial_w": lw % S != 0,
             "pv_stored": pv.shape[0] <= PV_MAX_PATCHES, "pv": pv, "grid_t": grid}
        )
    log("images: " + ", ".join(f"{i['name']}->{i['resized'][1]}x{i['resized'][0]} grid {i['grid']}" for i in info))

    # --- vision tower per image (fp32 model), tower intermediates for the images in DEBUG_PREFIX
    vis = model.model.visual
    vc = model.config.vision_config
    err_feat = 0.0
    err_dbg = 0.0
    for i in info:
        k = i["k"]
        dbg = {}
        hooks = []
        if k in DEBUG_PREFIX:
            hooks.append(vis.patch_embed.register_forward_hook(lambda m, a, o: dbg.__setitem__("patch_embed", o.detach().clone())))
            for b, blk in enumerate(vis.blocks):
                hooks.append(blk.register_forward_hook(lambda m, a, o, b=b: dbg.__setitem__(f"block.{b}", (o[0] if isinstance(o, tuple) else o).detach().clone())))
            hooks.append(vis.merger.register_forward_hook(lambda m, a, o: dbg.__setitem__("merger", o.detach().clone())))
        with torch.no_grad():
            res = model.model.get_image_features(i["pv"], i["grid_t"])
        for hk in hooks:
            hk.remove()
        pooled = res.pooler_output
        assert isinstance(pooled, (tuple, list)) and len(pooled) == 1
        feat = pooled[0].float().contiguous()
        assert feat.shape == (i["tokens"], vc.out_hidden_size), feat.shape
        tensors[f"image_features.{k}"] = feat
        spec = spec_vision_forward(sd32, vc, i["pv"], [tuple(i["grid"])])
        err_feat = max(err_feat, (spec["features"].float() - feat).abs().max().item())
        widx, cuw = get_vision_window_index(i["grid_t"], spatial_merge_size=2, window_size=vc.window_size, patch_size=vc.patch_size)
        assert torch.equal(widx.long(), spec["window_index"]), (i["name"], widx, spec["window_index"])
        assert torch.equal(cuw.long(), spec["cu_window_seqlens"]), (i["name"], cuw, spec["cu_window_seqlens"])
        i["window_index"], i["cu_window_seqlens"] = widx.tolist(), cuw.tolist()
        if k in DEBUG_PREFIX:
            pre = DEBUG_PREFIX[k]
            assert dbg["patch_embed"].shape == (i["patches"], vc.hidden_size)
            # the merger output un-permuted is exactly the returned feature tensor
            assert torch.equal(dbg["merger"][torch.argsort(widx)], pooled[0])
            tensors[f"{pre}.patch_embed"] = dbg["patch_embed"].contiguous()
            for b in range(vc.depth):
                assert dbg[f"block.{b}"].shape == (i["patches"], vc.hidden_size)
                tensors[f"{pre}.block.{b}"] = dbg[f"block.{b}"].contiguous()
            tensors[f"{pre}.merger"] = dbg["merger"].contiguous()
            tensors[f"{pre}.window_index"] = widx.to(torch.int64).contiguous()
            tensors[f"{pre}.cu_window_seqlens"] = cuw.to(torch.int64).contiguous()
            for key in ["patch_embed"] + [f"block.{b}" for b in range(vc.depth)] + ["merger"]:
                err_dbg = max(err_dbg, (spec[key].float() - dbg[key]).abs().max().item())
    log(f"spec vision re-implementation vs HF: max|dfeatures|={err_feat:.2e} max|ddebug|={err_dbg:.2e}")
    assert err_feat < 1e-4 and err_dbg < 1e-4
    facts["err_feat"], facts["err_dbg"] = err_feat, err_dbg
    save_file(tensors, str(OUT_REF / "vision.safetensors"), metadata={"format": "pt"})
    facts["images"] = info

    # --- multimodal prompts
    hf_tok = AutoTokenizer.from_pretrained(str(OUT_FP32))
    mm_proc = Exaone4_5_Processor(image_processor=proc, tokenizer=hf_tok, video_processor=transformers.Qwen2VLVideoProcessor())
    mm_tensors: dict[str, torch.Tensor] = {}
    mm_json: dict = {}
    margins = {}
    for pname, keys, text in MM_PROMPTS:
        ids = []
        raw = tok.encode(text, add_special_tokens=False).ids
        it = iter(keys)
        for t in raw:
            ids += [67] * info[next(it)]["tokens"] if t == 67 else [t]
        assert raw.count(67) == len(keys)
        last = max(j for j, t in enumerate(ids) if t == 74)
        assert len(ids) - last - 1 >= 12 and len(ids) > 8, (pname, len(ids) - last - 1)
        # the HF processor expands the placeholders identically
        bf = mm_proc(text=[text], images=[pil_images[k] for k in keys], return_tensors="pt")
        assert bf["input_ids"][0].tolist() == ids, pname
        pv = torch.cat([info[k]["pv"] for k in keys], 0)
        grid = torch.cat([info[k]["grid_t"] for k in keys], 0)
        assert torch.equal(bf["pixel_values"], pv) and torch.equal(bf["image_grid_thw"], grid)
        inp = torch.tensor([ids], dtype=torch.long)
        with torch.no_grad():
            logits = model(input_ids=inp, pixel_values=pv, image_grid_thw=grid, use_cache=False).logits[0].float().contiguous()
            out = model.generate(
                input_ids=inp, attention_mask=torch.ones_like(inp), pixel_values=pv, image_grid_thw=grid,
                do_sample=False, max_new_tokens=32, min_new_tokens=32, use_cache=True, pad_token_id=0,
            )
        gen = out[0, len(ids) :].tolist()
        assert len(gen) == 32
        full = torch.tensor([ids + gen], dtype=torch.long)
        with torch.no_grad():
            fl = model(input_ids=full, pixel_values=pv, image_grid_thw=grid, use_cache=False).logits[0]
        assert torch.allclose(fl[: len(ids)], logits, atol=1e-5, rtol=0)
        pred = fl[len(ids) - 1 : -1].argmax(-1).tolist()
        assert pred == gen, ("multimodal greedy != argmax of full forward", pname, pred, gen)
        top2 = fl[len(ids) - 1 : -1].topk(2, dim=-1).values
        margins[pname] = (top2[:, 0] - top2[:, 1]).min().item()
        mm_tensors[f"{pname}.input_ids"] = inp[0].to(torch.int64).contiguous()
        mm_tensors[f"{pname}.logits"] = logits
        mm_json[pname] = {
            "images": keys,
            "image_names": [info[k]["name"] for k in keys],
            "image_tokens": [info[k]["tokens"] for k in keys],
            "input_ids": ids,
            "generated_ids": gen,
        }
        log(f"multimodal {pname}: T={len(ids)}, images {[info[k]['name'] for k in keys]}, min margin {margins[pname]:.4g}")
    save_file(mm_tensors, str(OUT_REF / "multimodal.safetensors"), metadata={"format": "pt"})
    write_json(OUT_REF / "multimodal.json", mm_json)
    facts["margins"] = margins
    facts["mm"] = mm_json
    return facts


def vision_readme(f: dict) -> str:
    import numpy as np

    m = [np.float32(np.float32(x) * np.float32(255.0)) for x in (0.48145466, 0.4578275, 0.40821073)]
    s = [np.float32(np.float32(x) * np.float32(255.0)) for x in (0.26862954, 0.26130258, 0.27577711)]
    rows = []
    for i in f["images"]:
        part = [a for a, p in (("h", i["partial_h"]), ("w", i["partial_w"])) if p]
        rows.append(
            f"| {i['k']} | `{i['name']}` | {i['W']}x{i['H']} | {i['resized'][1]}x{i['resized'][0]} | "
            f"({', '.join(map(str, i['grid']))}) | {i['patches']} | {i['tokens']} | "
            f"{' and '.join(part) if part else 'none'} | {'yes' if i['pv_stored'] else 'no'} | {i['why']} |"
        )
    wins = "\n".join(
        f"- k={i['k']} `{i['name']}`: window_index {i['window_index']}, cu_window_seqlens {i['cu_window_seqlens']}"
        for i in f["images"]
    )
    mm = "\n".join(
        f"- `{p}`: images {v['images']} ({', '.join(v['image_names'])}; {', '.join(map(str, v['image_tokens']))} "
        f"image tokens), T = {len(v['input_ids'])}, min top1-top2 margin over the 32 greedy steps "
        f"{f['margins'][p]:.2e}"
        for p, v in f["mm"].items()
    )
    hexs = lambda xs: ", ".join(float(x).hex() for x in xs)  # noqa: E731
    return VISION_README.format(
        proc=f["processor"], tv=f["torchvision"], pil=f["pillow"], rows="\n".join(rows), wins=wins, mm=mm,
        err_feat=f["err_feat"], err_dbg=f["err_dbg"], mn=MIN_PIXELS, mx=MAX_PIXELS, pvmax=PV_MAX_PATCHES,
        cpu=f["cpu_capability"], wf=f["worst_float"], m=", ".join(f"{float(x):.9g}" for x in m), s=", ".join(f"{float(x):.9g}" for x in s), mh=hexs(m), sh=hexs(s),
    )


VISION_README = """
## Vision: image processor (`../preprocessor_config.json`)

Written by `save_pretrained` of the class that `AutoImageProcessor` picks for `model_type` `exaone4_5` in
this transformers version: **`{proc}`** (torchvision backend; transformers 5.23 has no class called
`Exaone4_5_ImageProcessor`, its auto map entry for `exaone4_5` is `{{"torchvision": "Qwen2VLImageProcessor",
"pil": "Qwen2VLImageProcessorPil"}}`), torchvision {tv}, Pillow {pil}. Tiny pixel limits: min_pixels = {mn}
(`size.shortest_edge`), max_pixels = {mx} (`size.longest_edge`). `save_pretrained` writes the limits
**only** as `size.shortest_edge` / `size.longest_edge`; older and hub configs may carry top-level
`min_pixels` / `max_pixels` instead (HF's constructor maps those onto `size`), so a reader should accept both.
`resample` 3 = bicubic, `rescale_factor` 1/255, OpenAI-CLIP mean/std, patch 14, temporal_patch 2, merge 2.

Exact algorithm (the generator checks an independent numpy port of steps 2-5 against HF bit for bit on
every image: `port_smart_resize`, `port_resize_u8`, `port_pixel_values` in `tools/reference/make_fixtures.py`):

1. Input: uint8 RGB `[H, W, 3]` (PIL `convert("RGB")`, here already RGB), made channel-first.
2. `smart_resize(H, W)` with factor 28 (spec 6.2; Python `round` = half to even; max branch
   `floor(x/beta/28)*28` floored at 28, min branch `ceil(x*beta/28)*28`).
3. Resize to `(H', W')` with `torchvision.transforms.v2.functional.resize(uint8 tensor, bicubic,
   antialias=True)`. If `(H', W') == (H, W)` the image is returned unchanged. On CPU torchvision passes the
   **uint8** tensor straight to `torch.nn.functional.interpolate(mode="bicubic", antialias=True)`, whose
   uint8 kernel is a port of Pillow's `ImagingResample` with **integer** arithmetic (*not* the float bicubic):
   - separable: the horizontal pass (width) runs first if W' != W and its result is stored as **uint8**
     (rounded and clamped), then the vertical pass if H' != H. A dimension whose size is unchanged is skipped.
   - one pass, input length n, output length m: `scale = n/m` (double); `support = 2*scale` if scale >= 1
     else 2; `invscale = 1/scale` if scale >= 1 else 1; `kmax = 2*ceil(support) + 1`.
   - output i: `center = scale*(i + 0.5)`; `xmin = max((int64)(center - support + 0.5), 0)`;
     `xsize = min((int64)(center + support + 0.5), n) - xmin`, clamped to [0, kmax] ((int64) truncates);
     `w_j = K((j + xmin - center + 0.5) * invscale)` for j < xsize, with the Keys cubic **a = -0.5**:
     `K(x) = ((a+2)|x| - (a+3))x^2 + 1` for |x| < 1, `((a|x| - 5a)|x| + 8a)|x| - 4a` for 1 <= |x| < 2, else 0;
     then divide every w_j by their sum (summed in order, double), unless the sum is 0.
   - precision: `wt_max` = the largest normalised weight of the whole pass (all outputs); `prec` = the first
     p in 0..21 with `(int)(0.5 + wt_max * 2^(p+1)) >= 32768`, else 22. Integer weights
     `q = (int)(v + 0.5)` if `v = w*2^prec >= 0`, else `(int)(v - 0.5)` (round half away from zero), int16.
   - value: `clamp((2^(prec-1) + sum_j q_j * src[xmin + j]) >> prec, 0, 255)` per channel, int32 sum,
     arithmetic shift (floor).
   - the generator also checks the port against torch's kernel on 40 random size pairs (up- and
     downscaling, noise and hard black/white blocks; this run: {cpu} kernel); the AVX512, AVX2 and generic
     (`ATEN_CPU_CAPABILITY=avx2` / `default`) kernels were all seen to agree with it. The float path (convert
     to float32, interpolate, round) differs from it by up to {wf} levels on those images.
     `Qwen2VLImageProcessorPil` (PIL backend) is not used.
4. Rescale + normalise, fused, in float32 on the resized uint8 values:
   `m_c = f32(f32(mean_c) * 255)`, `s_c = f32(f32(std_c) * 255)`, `pixel = f32(f32(x - m_c) / s_c)` (a true
   float32 division, not a multiply by 1/s). m = ({m}) = ({mh}); s = ({s}) = ({sh}).
   The C literals `0.48145466f` etc. give the same floats as rounding the doubles.
5. Temporal duplication and flattening exactly as spec 6.4/6.5: rows block-major
   `r = ((bh*(gw/2) + bw)*2 + mh)*2 + mw`, columns `k = ((c*2 + tp)*14 + py)*14 + px`, both temporal slices
   identical. grid = (1, H'/14, W'/14).

## Vision: `images/*.png` and `vision.safetensors`

Synthetic images (numpy, seeded): RGB gradients and a sine pattern, a filled disc, black and white
rectangles (saturated edges, which exercise the uint8 clamp after the bicubic overshoot), a thin diagonal
line, Gaussian noise (sigma 12) in the upper-right quarter. PNG = the exact pixels (`image.k`); decoding the
PNG gives `image.k` back (checked). Image k (the order below is the key order everywhere):

| k | file | input WxH | resized WxH | grid (t, h, w) | patches | tokens | windows partial along | `pixel_values.k` | why |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
{rows}

Windows are 2x2 merged units (window_size 56 / merge 2 / patch 14); "partial along h" means
`(grid_h/2) % 2 != 0`. Per image:

| tensor | dtype | shape | meaning |
| --- | --- | --- | --- |
| `image.k` | uint8 | [H, W, 3] | the pixels given to the processor (= the PNG) |
| `resized.k` | uint8 | [H', W', 3] | the exact output of step 3 (equals `image.k` for k = 0, no resize) |
| `pixel_values.k` | float32 | [patches, 1176] | processor output; **only for images with <= {pvmax} patches** (k = 0, 1, 2, 5). For k = 3, 4 (160 and 156 patches, 0.75 MB each) it is left out to keep the fixtures small: it equals steps 4-5 applied to `resized.k`, bit for bit (checked by the generator) |
| `grid_thw.k` | int64 | [3] | `image_grid_thw[0]` |
| `image_features.k` | float32 | [tokens, 64] | `model.model.get_image_features(pixel_values, image_grid_thw).pooler_output[0]` for this image alone: the merger output after un-permutation (`out[argsort(window_index)]`), i.e. raster order over the merged (h/2, w/2) grid = the order of the `<\\|image_pad\\|>` tokens. In 5.23 `get_image_features` returns a `BaseModelOutputWithPooling` whose `pooler_output` is a tuple of per-image tensors (split by t*h*w/4) |

Tower intermediates (forward hooks, fp32): `debug.*` for image 0 (`a_56x84`) and the same set as
`debug_f.*` for image 5 (`f_90x75`). Image 0's window permutation is the identity (its 3x2 unit grid splits
into windows [0 1 2 3] and [4 5]), so window-order and raster-order tensors coincide for it; image 5 (3x3
units) has a non-trivial one.

| tensor | dtype | shape | token order |
| --- | --- | --- | --- |
| `debug.patch_embed` | float32 | [patches, 64] | output of `patch_embed` (Conv3d, no bias): **processor (block-major) order**, before the window permutation |
| `debug.block.b`, b = 0..3 | float32 | [patches, 64] | output of vision block b (residual stream after its MLP add): **window order** (rows permuted in groups of 4 by `window_index`). Blocks 1 and 3 are full attention, 0 and 2 windowed |
| `debug.merger` | float32 | [tokens, 64] | output of `merger` (ln_q, view [tokens, 256], Linear, exact GELU, Linear): **window order**, before un-permutation; `debug.merger[argsort(window_index)] == image_features` exactly |
| `debug.window_index` | int64 | [tokens] | HF's `window_index` (merged-unit permutation) |
| `debug.cu_window_seqlens` | int64 | [windows + 1] | HF's `cu_window_seqlens` in patches (int32 in HF, stored as int64) |

{wins}

Cross-check: an independent float64 implementation of spec section 3 (`spec_vision_forward`: patch-embed
matmul, 2D positions from the 4 nested loops, partial-window index, axial 2D RoPE over the full head,
GQA windowed/full attention, gated-SiLU MLP with biases, RMSNorm eps 1e-6, merger with exact GELU,
un-permutation) matches HF: max |d image_features| = {err_feat:.1e} over all six images, max |d| over the
debug intermediates = {err_dbg:.1e} (values up to ~4); its window_index / cu_window_seqlens equal HF's for
every image.

## Vision: `multimodal.safetensors`, `multimodal.json`

Prompts built with the fixture tokenizer from chat-formatted text holding one `<\\|image_pad\\|>` per image,
each expanded to t*h*w/4 copies of id 67 between 73 (`<vision>`) and 74 (`</vision>`); the generator
checks that `Exaone4_5_Processor` (this image processor + the fixture tokenizer) produces the same ids and
the same concatenated `pixel_values` / `image_grid_thw`. More than 12 text tokens follow the last image.

{mm}

| entry | content |
| --- | --- |
| `<p>.input_ids` | int64 [T] |
| `<p>.logits` | float32 [T, 1024]: `Exaone4_5_ForConditionalGeneration(input_ids, pixel_values=cat(pixel_values.k), image_grid_thw=stack(grid_thw.k))`, fp32, eager, no cache, positions 0..T-1 (image tokens take one position each) |
| `multimodal.json` | per prompt: `images` (the k's, in order), `image_names`, `image_tokens`, `input_ids`, `generated_ids` (32 ids from `generate(do_sample=False, max_new_tokens=32, min_new_tokens=32, use_cache=True)` with the images; each equals the argmax of a full no-cache forward over prompt + generated ids) |
"""


def main() -> int:
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    log(f"torch {torch.__version__}, transformers {transformers.__version__}")

    for d in (OUT_FP32, OUT_BF16):
        if d.exists():
            shutil.rmtree(d)
    OUT_REF.mkdir(parents=True)
    OUT_BF16.mkdir(parents=True)

    # --- tokenizer
    tok = build_tokenizer()
    V = tok.get_vocab_size(with_added_tokens=True)
    save_tokenizer(tok, OUT_FP32)
    tok = Tokenizer.from_file(str(OUT_FP32 / "tokenizer.json"))  # reference outputs come from the file
    log(f"tokenizer: vocab {V}")

    # transformers' own loader must agree with the raw tokenizer (no BOS added, same ids).
    from transformers import AutoTokenizer

    hf_tok = AutoTokenizer.from_pretrained(str(OUT_FP32))
    for s in ["Hello<|endofturn|>world", "안녕하세요 P-1234", "<think>\nx\n</think>\n\n"]:
        assert hf_tok(s)["input_ids"] == tok.encode(s, add_special_tokens=False).ids, s
    assert hf_tok.bos_token_id == 1 and hf_tok.eos_token_id == 53 and hf_tok.pad_token_id == 0
    write_tokens_json(tok, OUT_REF / "tokens.json")

    # --- model fp32
    model = build_model(V)
    model.save_pretrained(str(OUT_FP32), safe_serialization=True, max_shard_size="1GB")
    sd32 = load_file(str(OUT_FP32 / "model.safetensors"))
    check_tensor_names(sorted(sd32))
    assert all(t.dtype == torch.float32 for t in sd32.values())
    log(f"fp32 checkpoint: {len(sd32)} tensors, {sum(t.numel() for t in sd32.values())} params")

    # Reload with transformers and use the *reloaded* model for all references.
    model = Exaone4_5_ForConditionalGeneration.from_pretrained(
        str(OUT_FP32), dtype=torch.float32, attn_implementation="eager"
    ).eval()
    for k, v in model.state_dict().items():
        if k in sd32:
            assert torch.equal(v, sd32[k]), k

    ids = text_input_ids(tok)
    assert len(ids) == T_TEXT and T_TEXT >= 4 * model.config.text_config.sliding_window
    inp = torch.tensor([ids], dtype=torch.long)
    with torch.no_grad():
        out = model(input_ids=inp, use_cache=False, output_hidden_states=True)
    logits = out.logits[0].float().contiguous()
    hs = [h[0].float().contiguous() for h in out.hidden_states]
    assert logits.shape == (T_TEXT, V) and len(hs) == model.config.text_config.num_hidden_layers + 1

    # What exactly are the hidden_states entries? Capture real layer outputs with hooks.
    lm = model.model.language_model
    captured = {}
    hooks = [
        layer.register_forward_hook(lambda m, a, o, i=i: captured.__setitem__(i, (o[0] if isinstance(o, tuple) else o)[0].detach().clone()))
        for i, layer in enumerate(lm.layers)
    ]
    with torch.no_grad():
        out2 = model(input_ids=inp, use_cache=False)
    for hk in hooks:
        hk.remove()
    assert torch.equal(out2.logits[0], logits)
    emb = lm.embed_tokens.weight[inp[0]]
    assert torch.equal(hs[0], emb), "hidden_states[0] is not the raw embedding"
    L = len(lm.layers)
    for i in range(L - 1):
        assert torch.equal(hs[i + 1], captured[i]), f"hidden_states[{i + 1}] != output of layer {i}"
    with torch.no_grad():
        normed_last = lm.norm(captured[L - 1])
        assert torch.equal(hs[L], normed_last), "hidden_states[-1] is not norm(last layer output)"
        assert torch.allclose(logits, model.lm_head(hs[L]), atol=0, rtol=0)
    final_prenorm = captured[L - 1].contiguous()
    log(f"hidden_states layout verified: [emb, layer0..layer{L - 2} outputs, final_norm(layer{L - 1} output)]")

    # Cross-check HF against an independent fp64 implementation of spec section 4.
    st, hfin, lg = spec_text_forward(sd32, model.config, inp[0])
    err_l = (lg.float() - logits).abs().max().item()
    err_h = max((st[i].float() - hs[i]).abs().max().item() for i in range(L))
    err_h = max(err_h, (st[L].float() - final_prenorm).abs().max().item(), (hfin.float() - hs[L]).abs().max().item())
    log(f"spec re-implementation vs HF: max|dlogits|={err_l:.2e} max|dhidden|={err_h:.2e}")
    assert err_l < 1e-4 and err_h < 1e-4

    tensors = {"input_ids": inp[0].to(torch.int64).contiguous(), "logits": logits}
    for i, h in enumerate(hs):
        tensors[f"hidden_states.{i}"] = h
    tensors["final_layer_output_prenorm"] = final_prenorm
    save_file(tensors, str(OUT_REF / "text.safetensors"), metadata={"format": "pt"})

    # Greedy generation (fp32, KV cache).
    g_prompt = tok.encode(GREEDY_SENTENCE, add_special_tokens=False).ids[:20]
    assert len(g_prompt) == 20
    gen_s, m_s = greedy(model, g_prompt)
    write_json(OUT_REF / "greedy.json", {"prompt_ids": g_prompt, "generated_ids": gen_s})
    gen_l, m_l = greedy(model, ids)
    write_json(OUT_REF / "greedy_long.json", {"prompt_ids": ids, "generated_ids": gen_l})
    log(f"greedy: min top1-top2 margin short={m_s:.4g} long={m_l:.4g}")

    # --- bf16 sharded copy
    model_bf = Exaone4_5_ForConditionalGeneration.from_pretrained(
        str(OUT_FP32), dtype=torch.float32, attn_implementation="eager"
    ).to(torch.bfloat16)
    model_bf.save_pretrained(str(OUT_BF16), safe_serialization=True, max_shard_size="500KB")
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(OUT_FP32 / f, OUT_BF16 / f)
    shards = sorted(OUT_BF16.glob("model-*.safetensors"))
    assert 2 <= len(shards) <= 3, [s.name for s in shards]
    assert (OUT_BF16 / "model.safetensors.index.json").exists()
    assert json.loads((OUT_BF16 / "config.json").read_text())["dtype"] == "bfloat16"
    sdbf = {}
    for s in shards:
        sdbf.update(load_file(str(s)))
    assert sorted(sdbf) == sorted(sd32)
    for k in sd32:
        assert sdbf[k].dtype == torch.bfloat16 and torch.equal(sdbf[k], sd32[k].to(torch.bfloat16)), k
    log(f"bf16 checkpoint: {len(shards)} shards")

    model_bf = Exaone4_5_ForConditionalGeneration.from_pretrained(
        str(OUT_BF16), dtype=torch.bfloat16, attn_implementation="eager"
    ).eval()
    with torch.no_grad():
        lbf = model_bf(input_ids=inp, use_cache=False).logits[0]
    assert lbf.dtype == torch.bfloat16
    lbf = lbf.float().contiguous()
    log(f"bf16 vs fp32 logits: max|d|={(lbf - logits).abs().max().item():.3e}, max|logit|={logits.abs().max().item():.3e}")
    save_file({"logits": lbf}, str(OUT_REF / "text_bf16.safetensors"), metadata={"format": "pt"})

    # --- vision: processor config, synthetic images, tower references, multimodal forward + greedy (fp32)
    vfacts = vision_references(model, sd32, tok)

    import safetensors
    import tokenizers

    (OUT_REF / "README.md").write_text(
        REFERENCE_README.format(
            tf=transformers.__version__, torch=torch.__version__, tk=tokenizers.__version__,
            st=safetensors.__version__, V=V, T=T_TEXT, L=L, Lm1=L - 1, ncases=NCASES[0],
            err_l=err_l, err_h=err_h, bfd=(lbf - logits).abs().max().item(), lmax=logits.abs().max().item(),
            np_s=len(g_prompt), m_s=m_s, m_l=m_l,
        )
        + vision_readme(vfacts),
        encoding="utf-8",
    )

    # --- manifest of hashes (lets a second run prove determinism)
    manifest = {}
    for p in sorted(FIX.rglob("*")):
        if p.is_file() and p.name != "SHA256SUMS" and p.suffix != ".md":
            manifest[str(p.relative_to(FIX))] = hashlib.sha256(p.read_bytes()).hexdigest()
    (FIX / "SHA256SUMS").write_text("".join(f"{h}  {n}\n" for n, h in manifest.items()), encoding="utf-8")
    log(f"wrote {len(manifest)} files; see tests/fixtures/SHA256SUMS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
