"""Measure Chinese spelling tolerance on typos made here, not written by anyone: correct Chinese
questions of dev sets (never a held-out or validation one) corrupted with pinyin-input errors.

    python scripts/zh_typos.py tests/eval/dev.yaml tests/eval/dev2.yaml …  [--seed 18] [--show 20]

Each on-topic single question in simplified Chinese of 8 to 20 characters (six to ten words) is
corrupted with four errors (five from 14 characters), with a fixed seed, as typing pinyin makes
them:

- **homophone** (55 %): another character of the same toneless reading (向 for 项);
- **fuzzy** (15 %): a character of a reading the speaker does not tell apart (z/zh, c/ch, s/sh,
  n/l, f/h, an/ang, en/eng, in/ing: 思 for 师);
- **near key** (15 %): a reading one key away on a QWERTY keyboard, or with one letter
  dropped (shu for shi, xi for xu);
- **dropped** (7.5 %): a character left out;
- **extra** (7.5 %): a character of the next one's reading put before it (一 before 医).

The wrong character is picked as an input method offers it: among the six most common
characters of that reading (common: in most words of ``common_words.txt``), the more common the
likelier. The questions are asked as ``python -m bot eval`` asks them. Reported:

- **right**: replies right for the clean and for the corrupted questions (and for the
  corrupted questions whose clean form is right);
- **restored**: corrupted questions whose Chinese characters, once corrected, are those of the
  clean question corrected;
- per character of the corrupted questions without a dropped or extra character: typos
  **fixed** (back to the clean character), **miscorrected** (changed into another wrong one),
  and **false corrections** (a right character changed);
- **clean false corrections**: clean questions whose Chinese characters the speller changes.
"""

from __future__ import annotations

import argparse
import random
import re
from collections import Counter
from dataclasses import dataclass, replace
from itertools import accumulate
from pathlib import Path

from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from bot.understanding.evaluation import Case, ask, load_cases, right_reply
from bot.understanding.text import zhconv

_READINGS = REPOSITORY / "bot" / "understanding" / "pinyin.tsv"
_COMMON = REPOSITORY / "bot" / "understanding" / "common_words.txt"
_CJK = re.compile(r"[\u4e00-\u9fff]")
_FUZZY = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ang", "an"), ("eng", "en"), ("ing", "in"))
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
KINDS = (("homophone", 0.55), ("fuzzy", 0.15), ("near key", 0.15), ("dropped", 0.075))
CANDIDATES = 6  # characters an input method shows for a reading, the most common first


def _neighbours() -> dict[str, str]:
    """Each letter's neighbours on a QWERTY keyboard (same row)."""
    found: dict[str, str] = {}
    for row in _ROWS:
        for i, letter in enumerate(row):
            found[letter] = row[max(0, i - 1) : i] + row[i + 1 : i + 2]
    return found


class Typist:
    """Makes pinyin-input typos (see the module's docstring)."""

    def __init__(self) -> None:
        self.by_reading: dict[str, list[str]] = {}
        self.reading: dict[str, list[str]] = {}
        uses = Counter(c for line in _COMMON.read_text("utf-8").split() for c in line)
        for line in _READINGS.read_text("utf-8").splitlines():
            syllable, chars = line.split("\t")
            common = sorted((c for c in chars if uses[c] > 0), key=lambda c: -uses[c])
            self.by_reading[syllable] = common
            for char in chars:
                self.reading.setdefault(char, []).append(syllable)
        self.uses = uses
        self.keys = _neighbours()

    def _pick(self, rng: random.Random, syllable: str, avoid: str) -> str | None:
        options = [c for c in self.by_reading.get(syllable, ()) if c != avoid][:CANDIDATES]
        if not options:
            return None
        return rng.choices(options, weights=[self.uses[c] for c in options])[0]

    def _fuzzy(self, syllable: str) -> list[str]:
        found = []
        for a, b in _FUZZY:
            if syllable.startswith(a) and a[0] in "zcs":
                found.append(b + syllable[len(a) :])
            elif syllable.startswith(b) and b in "zcs" and not syllable.startswith(a):
                found.append(a + syllable[len(b) :])
            elif syllable.endswith(a) and a[0] != "z":
                found.append(syllable[: -len(a)] + b)
            elif syllable.endswith(b) and not syllable.endswith(a) and b[0] != "z":
                found.append(syllable + "g")
        for a, b in (("n", "l"), ("l", "n"), ("f", "h"), ("h", "f")):
            if syllable.startswith(a) and not syllable.startswith("ng"):
                found.append(b + syllable[1:])
        return [s for s in dict.fromkeys(found) if s in self.by_reading and s != syllable]

    def _near(self, syllable: str) -> list[str]:
        found = [syllable[:i] + syllable[i + 1 :] for i in range(len(syllable))]
        found += [
            syllable[:i] + k + syllable[i + 1 :]
            for i, letter in enumerate(syllable)
            for k in self.keys.get(letter, "")
        ]
        return [s for s in dict.fromkeys(found) if s in self.by_reading and s != syllable]

    def typo(self, rng: random.Random, char: str, kind: str) -> str | None:
        """A wrong character for ``char`` of this kind (None: none can be made)."""
        readings = self.reading.get(char)
        if not readings:
            return None
        syllable = rng.choice(readings)
        if kind == "homophone":
            return self._pick(rng, syllable, char)
        others = self._fuzzy(syllable) if kind == "fuzzy" else self._near(syllable)
        rng.shuffle(others)
        for other in others:
            picked = self._pick(rng, other, char)
            if picked is not None:
                return picked
        return None

    def corrupt(self, rng: random.Random, text: str, errors: int) -> tuple[str, list[int], bool]:
        """``text`` with ``errors`` typos at distinct Chinese characters: the corrupted text,
        for each of its characters the index of the clean one it stands for (-1: an extra
        one), and whether a character was dropped or added."""
        chars = list(text)
        slots = [i for i, c in enumerate(chars) if _CJK.match(c) and c in self.reading]
        rng.shuffle(slots)
        kinds, weights = zip(*KINDS, strict=True)
        plan: dict[int, tuple[str, str]] = {}  # index: (kind, replacement)
        for i in slots:
            if len(plan) == errors:
                break
            roll = rng.random()
            kind = next(
                (k for k, w in zip(kinds, accumulate(weights), strict=True) if roll < w), "extra"
            )
            if kind == "dropped":
                plan[i] = (kind, "")
                continue
            if kind == "extra":
                syllable = rng.choice(self.reading[chars[i]])
                added = self._pick(rng, syllable, chars[i])
                if added is not None:
                    plan[i] = (kind, added + chars[i])
                continue
            wrong = self.typo(rng, chars[i], kind) or self.typo(rng, chars[i], "homophone")
            if wrong is not None:
                plan[i] = (kind, wrong)
        out: list[str] = []
        source: list[int] = []
        for i, char in enumerate(chars):
            kind, new = plan.get(i, ("", char))
            out.append(new)
            if kind == "extra":
                source += [-1, i]
            elif kind != "dropped":
                source.append(i)
        shifted = any(k in ("dropped", "extra") for k, _ in plan.values())
        return "".join(out), source, shifted


@dataclass
class Tally:
    clean_right: int = 0
    typo_right: int = 0
    typo_right_of_clean_right: int = 0
    restored: int = 0
    typos: int = 0
    fixed: int = 0
    miscorrected: int = 0
    false: int = 0
    clean_false: int = 0
    questions: int = 0


def chinese(text: str) -> str:
    return "".join(_CJK.findall(text))


def sources(files: list[str]) -> list[Case]:
    """The on-topic single questions in simplified Chinese of 8 to 20 characters."""
    found = []
    for file in files:
        for case in load_cases(Path(file)):
            n = len(chinese(case.question))
            if (
                case.lang == "zh"
                and not case.turns
                and not case.off_topic
                and 8 <= n <= 20
                and zhconv.convert(case.question, "zh-hans") == case.question
                and not {"typos", "noisy", "traditional"} & set(case.tags)
            ):
                found.append(case)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", help="dev sets (never a held-out or validation one)")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--show", type=int, default=0, help="print this many misses")
    args = parser.parse_args()
    if any("holdout" in f or "-val" in f for f in args.files):
        parser.error("held-out and validation sets are never used here")
    assistant = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    typist = Typist()
    tally = Tally()
    shown = 0
    for number, case in enumerate(sources(args.files)):
        rng = random.Random(f"{args.seed}:{number}")
        errors = 4 if len(chinese(case.question)) < 14 else 5
        typed, source, shifted = typist.corrupt(rng, case.question, errors)
        clean_spelt = chinese(assistant.matcher.spelt(case.question))
        clean_right = right_reply(case, ask(assistant, case), assistant)
        typo_right = right_reply(case, ask(assistant, replace(case, question=typed)), assistant)
        spelt = chinese(assistant.matcher.spelt(typed))
        tally.questions += 1
        tally.clean_right += clean_right
        tally.typo_right += typo_right
        tally.typo_right_of_clean_right += clean_right and typo_right
        tally.restored += spelt == clean_spelt
        tally.clean_false += clean_spelt != chinese(case.question)
        if not shifted and len(spelt) == len(chinese(typed)):
            clean = [case.question[i] for i in source]
            wanted = chinese("".join(clean))
            for want, got, fixed in zip(wanted, chinese(typed), spelt, strict=True):
                if want != got:
                    tally.typos += 1
                    tally.fixed += fixed == want
                    tally.miscorrected += fixed not in (want, got)
                else:
                    tally.false += fixed != want
        if clean_right and not typo_right and shown < args.show:
            shown += 1
            expect = set(case.expect)
            print(f"  miss: {typed}  (clean {case.question}; read {spelt}; expect {expect})")
    n = tally.questions
    print(f"questions: {n} (seed {args.seed})")
    print(f"right, clean: {tally.clean_right}/{n} = {100 * tally.clean_right / n:.1f} %")
    print(f"right, with typos: {tally.typo_right}/{n} = {100 * tally.typo_right / n:.1f} %")
    print(
        f"right with typos, of the clean right: {tally.typo_right_of_clean_right}/"
        f"{tally.clean_right} = {100 * tally.typo_right_of_clean_right / tally.clean_right:.1f} %"
    )
    print(f"restored (characters as the clean question's): {tally.restored}/{n}")
    print(
        f"typos (questions without dropped/extra characters): {tally.typos}, fixed "
        f"{tally.fixed}, miscorrected {tally.miscorrected}; false corrections {tally.false}"
    )
    print(f"clean questions changed by the speller (false corrections): {tally.clean_false}/{n}")


if __name__ == "__main__":
    main()
