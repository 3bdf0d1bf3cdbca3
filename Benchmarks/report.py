#!/usr/bin/env python3
"""Turns the JSON lines of one Benchmarks/run.sh invocation into Markdown tables: Loom next to the
PyTorch/Keras peers measured in the same run, with ratios. Usage: Benchmarks/report.py RESULTS.jsonl"""
import json, sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip().startswith("{")]
loom = [r for r in rows if r.get("framework") == "loom"]
torch = [r for r in rows if r.get("framework") == "torch"]
keras = [r for r in rows if r.get("framework") == "keras"]
header = next((r for r in rows if "machine" in r), {})

def find(items, **keys):
    for r in items:
        if all(r.get(k) == v for k, v in keys.items()):
            return r
    return None

def fmt(x, digits=0):
    return "—" if x is None else f"{x:,.{digits}f}"

def ratio(a, b):
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}×"

out = []
core = next((r["blas_core"] for r in loom if "blas_core" in r), "?")
out.append(f"Machine: {header.get('machine', '?')}; run {header.get('date', '?')}; OpenBLAS core {core} "
           f"(OPENBLAS_CORETYPE in the environment: {header.get('OPENBLAS_CORETYPE', '?')}).\n")

sgemm = [r for r in loom if r.get("bench") == "sgemm"]
if sgemm:
    out.append("| sgemm shape | GFLOP/s |\n|---|---|")
    out += [f"| {r['shape']} | {fmt(r['gflops'])} |" for r in sgemm]
    out.append("")

steps = [r for r in loom if r.get("bench") in ("sentiment_train_step", "char_train_step")]
if steps:
    out.append("| training step (forward + backward + Adam) | Loom | PyTorch | Loom / PyTorch | Loom GFLOP/s |")
    out.append("|---|---|---|---|---|")
    for r in steps:
        if r["bench"] == "sentiment_train_step":
            peer = find(torch, bench="sentiment_train_step", cell=r["cell"], pool=r["pool"])
            name = f"sentiment {r['cell'].upper()}, {r['pool']} pooling (tokens/s)"
            a, b = r["tokens_per_s"], peer and peer["tokens_per_s"]
        else:
            peer = find(torch, bench="char_train_step", cell=r["cell"])
            name = f"char 2×{r['hidden']} {r['cell'].upper()} (chars/s)"
            a, b = r["chars_per_s"], peer and peer["chars_per_s"]
        out.append(f"| {name} | {fmt(a)} | {fmt(b)} | {ratio(a, b)} | {fmt(r.get('gflops'))} |")
    out.append("")

classify = [r for r in loom if r.get("bench") in ("classify_one_review", "classify_file_mode")]
if classify:
    out.append("| classification | Loom (tokenizing included) | PyTorch (model only) | ratio |\n|---|---|---|---|")
    for r in classify:
        if r["bench"] == "classify_one_review":
            peer = find(torch, bench="classify_one_review_230", cell=r["cell"])
            b = peer and peer["ms"]
            how = "projection table built at load" if r.get("projection_table") else "as loaded"
            out.append(f"| one review, {r['tokens']} tokens, {r['cell'].upper()}, {how} (ms) | {fmt(r['ms'], 3)} | {fmt(b, 3)} | {ratio(b, r['ms'])} faster |")
        else:
            peer = find(torch, bench="classify_batch256_230", cell=r["cell"])
            b = peer and peer["reviews_per_s"]
            out.append(f"| file mode, {r['reviews']} IMDB reviews, {r['cell'].upper()} (reviews/s) | {fmt(r['reviews_per_s'])} | {fmt(b)} | {ratio(r['reviews_per_s'], b)} |")
    out.append("")

samples = [r for r in loom if r.get("bench") in ("char_sample_batch1", "sample")]
if samples:
    out.append("| sampling, batch 1, 2×256 | Loom chars/s | PyTorch chars/s | ratio |\n|---|---|---|---|")
    for r in samples:
        peer = find(torch, bench="char_sample_batch1", cell=r.get("cell"))
        b = peer and peer["chars_per_s"]
        out.append(f"| {r.get('cell', '?').upper()} | {fmt(r.get('chars_per_s'))} | {fmt(b)} | {ratio(r.get('chars_per_s'), b)} |")
    out.append("")

tok = find(rows, bench="tokenize")
ktok = next((r for r in keras if "tokeniz" in str(r.get("bench", ""))), None)
if tok:
    ks = ktok and ktok["fit_s"] + ktok["to_sequences_s"]
    out.append("| tokenize + count + encode 25,000 IMDB reviews | seconds | MB/s |\n|---|---|---|")
    out.append(f"| Loom | {fmt(tok.get('seconds'), 2)} | {fmt(tok.get('mb_per_s'), 1)} |")
    if ktok:
        out.append(f"| Keras Tokenizer (fit_on_texts + texts_to_sequences) | {fmt(ks, 2)} | {fmt(ktok.get('mb_per_s'), 1)} |")
        out.append(f"\nLoom is {ratio(ks, tok.get('seconds'))} faster.")
    out.append("")
print("\n".join(out))
