"""Write bot/understanding/pinyin.tsv: the toneless readings of every common Chinese character.

    pip install pypinyin==0.55.0 && python scripts/build_pinyin.py

The bot corrects homophone typos of pinyin input (住速 for 住宿) by comparing readings; the
readings come from pypinyin (MIT licence) once, here, because the package itself costs 55 MB
of resident memory and 0.2 s of start-up, while the table it gives is 100 kB. One line per
syllable: the syllable, a tab, every character having it among its (at most 3) readings.

A reading is kept when the words of pypinyin's phrase table read the character so at least
``SHARE`` of the time (a character no phrase reads keeps its first reading too): 些 is xie,
not also suo; 搞 gao, not qiao; 长 both chang and zhang. Rare readings made false homophones
(哪些是 read as 硕士, 附院搞 as 院校).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from pypinyin.contrib.tone_convert import to_normal
from pypinyin.phrases_dict import phrases_dict
from pypinyin.pinyin_dict import pinyin_dict

from bot.settings import REPOSITORY

FIRST, LAST = 0x4E00, 0x9FFF  # the CJK Unified Ideographs block (all common characters)
READINGS = 3
SHARE = 0.05  # of a character's readings in pypinyin's phrases, for a reading to be kept


def _syllable(reading: str) -> str:
    return to_normal(reading.strip()).replace("ü", "v")


def phrase_readings() -> dict[str, Counter[str]]:
    """How often pypinyin's phrase table reads each character with each toneless syllable."""
    used: dict[str, Counter[str]] = defaultdict(Counter)
    for phrase, readings in phrases_dict.items():
        for char, options in zip(phrase, readings, strict=False):
            if len(options) == 1:
                used[char][_syllable(options[0])] += 1
    return used


def main() -> None:
    chars: dict[str, list[str]] = defaultdict(list)
    used = phrase_readings()
    for code in range(FIRST, LAST + 1):
        readings = pinyin_dict.get(code)
        if not readings:
            continue
        seen: list[str] = []
        for reading in readings.split(","):
            syllable = _syllable(reading)
            if syllable.isascii() and syllable.isalpha() and syllable not in seen:
                seen.append(syllable)
        uses = used.get(chr(code), Counter())
        total = sum(uses.values())
        frequent = [s for s in seen if total and uses[s] >= SHARE * total]
        seen = frequent or seen[:1]
        for syllable in seen[:READINGS]:
            chars[syllable].append(chr(code))
    path = REPOSITORY / "bot" / "understanding" / "pinyin.tsv"
    lines = [f"{syllable}\t{''.join(found)}" for syllable, found in sorted(chars.items())]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    print(f"{path}: {len(lines)} syllables, {sum(len(c) for c in chars.values())} readings")


if __name__ == "__main__":
    main()
