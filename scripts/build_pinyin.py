"""Write bot/understanding/pinyin.tsv: the toneless readings of every common Chinese character.

    pip install pypinyin==0.55.0 && python scripts/build_pinyin.py

The bot corrects homophone typos of pinyin input (住速 for 住宿) by comparing readings; the
readings come from pypinyin (MIT licence) once, here, because the package itself costs 55 MB
of resident memory and 0.2 s of start-up, while the table it gives is 100 kB. One line per
syllable: the syllable, a tab, every character having it among its (at most 3) readings.
"""

from __future__ import annotations

from collections import defaultdict

from pypinyin.contrib.tone_convert import to_normal
from pypinyin.pinyin_dict import pinyin_dict

from bot.settings import REPOSITORY

FIRST, LAST = 0x4E00, 0x9FFF  # the CJK Unified Ideographs block (all common characters)
READINGS = 3


def main() -> None:
    chars: dict[str, list[str]] = defaultdict(list)
    for code in range(FIRST, LAST + 1):
        readings = pinyin_dict.get(code)
        if not readings:
            continue
        seen: list[str] = []
        for reading in readings.split(","):
            syllable = to_normal(reading.strip()).replace("ü", "v")
            if syllable.isascii() and syllable.isalpha() and syllable not in seen:
                seen.append(syllable)
        for syllable in seen[:READINGS]:
            chars[syllable].append(chr(code))
    path = REPOSITORY / "bot" / "understanding" / "pinyin.tsv"
    lines = [f"{syllable}\t{''.join(found)}" for syllable, found in sorted(chars.items())]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    print(f"{path}: {len(lines)} syllables, {sum(len(c) for c in chars.values())} readings")


if __name__ == "__main__":
    main()
