"""Every row of the given eval sets whose text holds a Chinese character, in one file.

    python -m scripts.chinese_rows tests/eval/*dev*.yaml --out /tmp/chinese-rows.yaml
    python -m bot eval /tmp/chinese-rows.yaml

The regional-words table (``matching.yaml`` ``regional:``) changes only texts with Chinese
characters, so these rows are every row a change of it can move: one ``eval`` of them
(about 1,750 rows of the dev sets) instead of every set. Each row is tagged ``set-NAME``
with its file's name, so the report's kinds give the figure per set.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import yaml

CHINESE = re.compile(r"[\u3100-\u312f\u3400-\u9fff]")


def chinese_rows(files: list[str]) -> list[dict[str, Any]]:
    """The rows of ``files`` with a Chinese character in their question or turns, tagged."""
    rows: list[dict[str, Any]] = []
    for file in files:
        for row in yaml.safe_load(Path(file).read_text(encoding="utf-8")) or []:
            text = row.get("q") or " ".join(row.get("turns") or [])
            if CHINESE.search(text):
                tags = [*(row.get("tags") or []), f"set-{Path(file).stem}"]
                rows.append({**row, "tags": tags})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", help="eval sets (YAML)")
    parser.add_argument("--out", required=True, help="the file to write")
    args = parser.parse_args()
    rows = chinese_rows(args.files)
    Path(args.out).write_text(
        yaml.safe_dump(rows, allow_unicode=True, width=10000), encoding="utf-8"
    )
    print(f"{len(rows)} rows -> {args.out}")


if __name__ == "__main__":
    main()
