"""export-sft's output as its consumers read it.

A small cpu session made by the real foundry binary (fixture templates, one of
them with a knob that breaks it) is exported with every source and repairs,
in both row formats. A tiny model is built here, nothing downloaded: a
Qwen3-architecture config with two small layers, random weights saved as
safetensors, and a byte-level BPE tokenizer trained on the exported text with
a chat template. Then:

- mlx_lm reads every split in both formats; every row is kept and tokenised;
- Hugging Face datasets loads the export directory as train, validation and
  test, and every row renders through the tokenizer's chat template;
- `python -m mlx_lm lora` trains two iterations with
  configs/qwen3_1p7b_kernel_sft_lora.yaml (model, data and sizes overridden on
  the command line); it must exit 0, truncate no row, report finite
  validation and training losses, and save the adapter.

Any failure exits non-zero with the reason. Usage:
  test_mlx_lora.py --foundry BIN --source-dir REPO [--cache-dir DIR]
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

SPLITS = ("train", "valid", "test")


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def run(cmd, env, what):
    t0 = time.monotonic()
    res = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    took = time.monotonic() - t0
    if res.returncode != 0:
        fail(f"{what} exited {res.returncode}:\n{res.stdout[-4000:]}")
    return res.stdout, took


def export(foundry, repo, sessions, out, fmt, env):
    fixtures = repo / "tests" / "fixtures" / "sft"
    run([foundry, "export-sft", "--out", str(out), "--sessions-root", str(sessions),
         "--kd-root", str(fixtures / "kd"), "--discover-root", str(fixtures / "discover"),
         "--templates", str(fixtures / "templates"), "--include-repairs", "--format", fmt,
         "--train-fraction", "0.6", "--valid-fraction", "0.2"], env, f"export-sft --format {fmt}")
    manifest = json.loads((out / "manifest.json").read_text())
    rows = {s: [json.loads(l) for l in (out / f"{s}.jsonl").read_text().splitlines()] for s in SPLITS}
    for s in SPLITS:
        if len(rows[s]) != manifest["counts"][s] or not rows[s]:
            fail(f"{out}: {s} has {len(rows[s])} rows, the manifest says {manifest['counts'][s]}")
    return manifest, rows


def build_tiny_model(model_dir, rows):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.models import qwen3

    model_dir.mkdir(parents=True)
    texts = [m["content"] for s in SPLITS for r in rows[s] for m in r["messages"]]
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(texts, trainers.BpeTrainer(
        vocab_size=1024, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False))
    tok.save(str(model_dir / "tokenizer.json"))
    # Qwen's chat markup, without its tool and thinking parts.
    template = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
                "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
    (model_dir / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast", "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
        "chat_template": template, "model_max_length": 65536}))
    config = {"model_type": "qwen3", "hidden_size": 64, "num_hidden_layers": 2, "intermediate_size": 128,
              "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "rms_norm_eps": 1e-6,
              "vocab_size": tok.get_vocab_size(), "rope_theta": 10000.0, "max_position_embeddings": 65536,
              "tie_word_embeddings": True, "eos_token_id": tok.token_to_id("<|im_end|>")}
    (model_dir / "config.json").write_text(json.dumps(config))
    mx.random.seed(0)
    model = qwen3.Model(qwen3.ModelArgs.from_dict(config))
    mx.save_safetensors(str(model_dir / "model.safetensors"), dict(tree_flatten(model.parameters())))


def check_mlx_reads_every_row(model_dir, data_dir, manifest):
    """Every row of every split through mlx_lm's own loader; returns the longest in tokens."""
    from mlx_lm.tuner.datasets import load_local_dataset
    from mlx_lm.utils import load_tokenizer

    tokenizer = load_tokenizer(model_dir)
    config = types.SimpleNamespace(mask_prompt=True)
    longest = 0
    for name, ds in zip(SPLITS, load_local_dataset(data_dir, tokenizer, config)):
        if len(ds) != manifest["counts"][name]:
            fail(f"mlx_lm read {len(ds)} rows of {data_dir / name}.jsonl, the manifest says {manifest['counts'][name]}")
        for i in range(len(ds)):
            tokens, offset = ds.process(ds[i])
            if not 0 < offset < len(tokens):
                fail(f"{data_dir / name}.jsonl row {i}: {len(tokens)} tokens, the answer starts at {offset}")
            longest = max(longest, len(tokens))
    return longest


def check_datasets_and_chat_template(model_dir, data_dir, manifest):
    import datasets
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    dd = datasets.load_dataset(str(data_dir))
    want = {"train": manifest["counts"]["train"], "validation": manifest["counts"]["valid"],
            "test": manifest["counts"]["test"]}
    got = {k: dd[k].num_rows for k in dd}
    if got != want:
        fail(f"datasets.load_dataset({data_dir}) gave {got}, the manifest says {want}")
    for split in dd:
        for i, row in enumerate(dd[split]):
            text = tokenizer.apply_chat_template(row["messages"], tokenize=False)
            for m in row["messages"]:
                if f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>" not in text:
                    fail(f"{split} row {i}: the {m['role']} message is not in its chat rendering")


def parse_losses(output):
    """(val losses, train losses) of mlx_lm's report lines."""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", output)
    num = r"(nan|-?inf|-?[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?)"
    val = [float(v) for v in re.findall(rf"^\s*\d+\s+val\s+{num}", plain, re.M | re.I)]
    train = [float(v) for v in re.findall(rf"^\s*\d+\s+{num}\s+\S*\s+[0-9,]+\s+[0-9.]+k?\s*$", plain, re.M | re.I)]
    return val, train


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--foundry", required=True)
    ap.add_argument("--source-dir", required=True, type=Path)
    ap.add_argument("--cache-dir", type=Path, help="foundry's compile cache (kept between runs)")
    args = ap.parse_args()
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="foundry-mlx-") as tmp:
        tmp = Path(tmp)
        env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_DATASETS_OFFLINE="1",
                   HF_HOME=str(tmp / "hf"), NO_COLOR="1", TOKENIZERS_PARALLELISM="false",
                   FOUNDRY_CACHE_DIR=str(args.cache_dir or tmp / "cache"))
        os.environ.update({k: env[k] for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "HF_HOME")})
        repo = args.source_dir
        sessions = tmp / "runs"
        run([args.foundry, "run", "--session-dir", str(sessions / "cpu"), "--templates",
             str(repo / "tests/fixtures/sft/templates"), "--ops", "rmsnorm", "softmax", "--n-per-case", "3",
             "--shapes", "odd", "--dtypes", "f32", "--repeats", "3", "--warmup", "1", "--no-flush",
             "--correctness-tests", "2"], env, "foundry run")
        messages = tmp / "kernel_sft"
        manifest, rows = export(args.foundry, repo, sessions, messages, "messages", env)
        pc_manifest, _ = export(args.foundry, repo, sessions, tmp / "kernel_sft_pc", "prompt-completion", env)
        if manifest["examples_read"].get("session", 0) == 0 or manifest["examples_read"].get("repair", 0) == 0:
            fail(f"the session gave no variant or no repair: {manifest['examples_read']}")

        model = tmp / "tiny-qwen3"
        build_tiny_model(model, rows)
        longest = check_mlx_reads_every_row(model, messages, manifest)
        check_mlx_reads_every_row(model, tmp / "kernel_sft_pc", pc_manifest)
        check_datasets_and_chat_template(model, messages, manifest)
        t_setup = time.monotonic() - t0

        out, took = run([sys.executable, "-m", "mlx_lm", "lora", "-c",
                         str(repo / "configs/qwen3_1p7b_kernel_sft_lora.yaml"), "--model", str(model), "--data",
                         str(messages), "--train", "--iters", "2", "--batch-size", "1", "--num-layers", "2",
                         "--steps-per-report", "1", "--max-seq-length", str(longest + 1),
                         "--adapter-path", str(tmp / "adapters")], env, "mlx_lm lora")
        if re.search(r"truncat|warning", out, re.I):
            fail(f"mlx_lm truncated or warned:\n{out[-3000:]}")
        val, train = parse_losses(out)
        if len(val) < 1 or len(train) != 2:
            fail(f"expected validation losses and 2 training losses in mlx_lm's report, got {val} and {train}:\n{out[-3000:]}")
        if not all(math.isfinite(v) for v in val + train):
            fail(f"a loss is not finite: validation {val}, training {train}")
        if not (tmp / "adapters" / "adapters.safetensors").exists():
            fail("mlx_lm saved no adapter")
        print(f"rows: {manifest['counts']} (longest {longest} tokens); mlx_lm lora 2 iterations: "
              f"validation loss {val}, training loss {train}; lora {took:.1f} s, whole test {time.monotonic() - t0:.1f} s "
              f"(setup {t_setup:.1f} s)")


if __name__ == "__main__":
    main()
