"""OpenCC's phrase-level Taiwan / Hong Kong -> mainland conversion measured against what the
matcher has (zhconv and ``matching.yaml`` ``regional:``), issue 18, session 11. OpenCC is not a
dependency: install it in the venv for this measurement only.

    .venv/bin/pip install opencc==1.4.2 && .venv/bin/python benchmarks/bench_opencc.py [--eval]

Prints: how many ``regional:`` entries OpenCC's ``tw2sp`` / ``hk2s`` give as they are; how
many texts of the dev sets' Chinese rows it would change after the regional table, with
Traditional characters (the converter applied only there) and with Simplified ones (had it
been applied to every text); its import, load, memory and conversion cost; with ``--eval``
the Traditional rows' score with and without ``tw2sp`` after the regional table. Texts are
printed only as counts, except the changed words of the dev sets (at most 12).
"""

from __future__ import annotations

import argparse
import glob
import os
import time
from pathlib import Path
from typing import Any

import yaml
from common import load

from bot.understanding import correction
from bot.understanding.answers import Assistant
from bot.understanding.evaluation import evaluate, load_cases
from bot.understanding.text import has_cjk, simplified

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    """This process's resident memory."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def traditional(text: str) -> bool:
    """Whether a text has a Traditional character (the only texts a converter would read)."""
    return has_cjk(text) and simplified(text) != text


def dev_rows() -> list[dict[str, Any]]:
    """The Chinese rows of the dev sets (validation and held-out sets are never read)."""
    rows = []
    for name in sorted(glob.glob(str(ROOT / "tests/eval/*dev*.yaml"))):
        if "holdout" in Path(name).name or "val" in Path(name).name:
            continue
        rows += [r for r in yaml.safe_load(Path(name).read_text("utf-8")) if r["lang"] == "zh"]
    return rows


def texts_of(row: dict[str, Any]) -> list[str]:
    return [row["q"]] if "q" in row else list(row["turns"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", action="store_true", help="score the Traditional rows too")
    args = parser.parse_args()
    before = rss_mb()
    started = time.perf_counter()
    import opencc  # not a dependency: measured here only

    imported = time.perf_counter()
    tw2sp = opencc.OpenCC("tw2sp")
    loaded = time.perf_counter()
    hk2s = opencc.OpenCC("hk2s")
    memory = rss_mb() - before
    print(f"{load()}")
    print(
        f"cost: import {1000 * (imported - started):.0f} ms, tw2sp loaded in "
        f"{1000 * (loaded - imported):.0f} ms, resident memory +{memory:.1f} MB (both configs)"
    )

    table = yaml.safe_load((ROOT / "knowledge/matching.yaml").read_text("utf-8"))["regional"]
    chinese = {w: m for w, m in table.items() if not w.isascii()}
    given = [w for w, m in chinese.items() if m in (tw2sp.convert(w), hk2s.convert(w))]
    new = [w for w in given if simplified(w) != chinese[w]]
    print(
        f"regional: {len(chinese)} Chinese entries; OpenCC gives {len(given)} "
        f"({len(new)} that zhconv does not: {', '.join(new)})"
    )

    assistant = Assistant.load(ROOT / "knowledge", ROOT / "conversations")
    standard = assistant.matcher.standard
    rows = dev_rows()
    texts = [t for r in rows for t in texts_of(r)]
    old = [t for t in texts if traditional(t)]
    new_texts = [t for t in texts if not traditional(t)]
    changes: list[str] = []
    for group, name in ((old, "Traditional"), (new_texts, "Simplified")):
        changed = 0
        for text in group:
            mainland = standard(text)
            converted = tw2sp.convert(mainland)
            if converted != mainland:
                changed += 1
                changes += [f"{a}→{b}" for a, b in diff_words(mainland, converted)]
        print(f"dev sets, {name} texts: {changed} of {len(group)} changed by tw2sp")
    print("changed words:", ", ".join(sorted(set(changes))[:12]))
    started = time.perf_counter()
    for text in texts:
        tw2sp.convert(text)
    print(f"tw2sp: {1e6 * (time.perf_counter() - started) / len(texts):.0f} µs a text")

    if args.eval:
        cases_file = Path("/tmp/bench_opencc_traditional.yaml")
        kept = [r for r in rows if any(traditional(t) for t in texts_of(r))]
        cases_file.write_text(yaml.safe_dump(kept, allow_unicode=True), "utf-8")
        cases = load_cases(cases_file)
        plain = evaluate(assistant, cases)
        regional = correction.RegionalWords.mainland

        def with_tw2sp(self: correction.RegionalWords, text: str, terms: bool = True) -> str:
            out = regional(self, text, terms)
            return str(tw2sp.convert(out)) if traditional(text) else out

        correction.RegionalWords.mainland = with_tw2sp  # type: ignore[method-assign]
        assistant = Assistant.load(ROOT / "knowledge", ROOT / "conversations")
        converted_report = evaluate(assistant, cases)
        print(
            f"Traditional rows right: {plain.right}/{plain.total} as now, "
            f"{converted_report.right}/{converted_report.total} with tw2sp"
        )


def diff_words(old: str, new: str) -> list[tuple[str, str]]:
    """The differing spans of two texts of the same length (the rest is not shown)."""
    if len(old) != len(new):
        return [("…", "… (length changed)")]
    spans, start = [], None
    for i, (a, b) in enumerate(zip(old, new, strict=True)):
        if a != b and start is None:
            start = i
        elif a == b and start is not None:
            spans.append((old[max(0, start - 1) : i + 1], new[max(0, start - 1) : i + 1]))
            start = None
    if start is not None:
        spans.append((old[start - 1 :], new[start - 1 :]))
    return spans


if __name__ == "__main__":
    main()
