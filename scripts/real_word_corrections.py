"""Count the real words the speller replaces in the English and French dev questions.

    pip install wordfreq==3.1.1 && python scripts/real_word_corrections.py tests/eval/*dev*.yaml

Every English and French question (and the earlier turns of a conversation) is normalised and
corrected as the lexical side reads it (``Matcher.spelt``); each word replaced by another one
is a correction. A correction whose original is a real word (among wordfreq's 10,000 most
frequent English or French words, three letters or more) is counted as a false correction:
"sir" read "six", "saw" read "say". Shorthand written out on purpose (``matching.yaml``
``shorthand:``: "pis" → puis, "wan" → want) is counted too, and listed, to be judged by eye.
The corrections into a word of an item's name are listed apart. wordfreq is only needed here
(and by ``build_common_latin.py``), never at run time.
"""

from __future__ import annotations

import difflib
from collections import Counter
from pathlib import Path

import wordfreq

from bot.content.languages import LANGUAGES
from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from bot.understanding.evaluation import dev_sets_parser, load_cases
from bot.understanding.text import normalize

COMMON = 10_000  # the most frequent words of each language counted as real words
SHORTEST = 3  # shorter words are left alone by the speller


def replaced(source: list[str], target: list[str]) -> list[tuple[str, str]]:
    """The words of ``source`` replaced one for one in ``target``."""
    pairs = []
    matcher = difflib.SequenceMatcher(a=source, b=target, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "replace" and i2 - i1 == 1 and j2 - j1 == 1 and source[i1].isascii():
            pairs.append((source[i1], target[j1]))
    return pairs


def main() -> None:
    parser = dev_sets_parser()
    args = parser.parse_args()
    assistant = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    matcher = assistant.matcher
    names = {
        w
        for item in assistant.kb.items.values()
        for lang in LANGUAGES
        for text in (item.name[lang], *item.aliases.get(lang, ()))
        for w in normalize(text).split()
    }
    common = {normalize(w) for lang in ("en", "fr") for w in wordfreq.top_n_list(lang, COMMON)}
    pairs: Counter[tuple[str, str]] = Counter()
    for file in args.files:
        for case in load_cases(Path(file)):
            if case.lang == "zh":
                continue
            for text in (*case.turns, case.question):
                source = normalize(matcher.standard(text)).split()
                pairs.update(replaced(source, matcher.spelt(text).split()))
    real = {p: n for p, n in pairs.items() if len(p[0]) >= SHORTEST and p[0] in common}
    named = {p: n for p, n in pairs.items() if p[1] in names}
    print(f"words replaced: {sum(pairs.values())} ({len(pairs)} distinct)")
    print(f"real words replaced: {sum(real.values())}")
    for (word, into), n in sorted(real.items(), key=lambda item: -item[1]):
        print(f"  {word} -> {into}: {n}")
    print(f"replaced into a word of a name: {sum(named.values())}")
    for (word, into), n in sorted(named.items(), key=lambda item: -item[1]):
        print(f"  {word} -> {into}: {n}")


if __name__ == "__main__":
    main()
