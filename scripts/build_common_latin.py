"""Write bot/understanding/common_latin.txt: the most frequent English and French words.

    pip install wordfreq==3.1.1 && python scripts/build_common_latin.py

The speller corrects a Latin word the knowledge base does not know into the closest word it
does know; a common real word ("told", "connais", "mère", "fin") is no typo and is never so
corrected (it was: "told" became "cold", "fin" became "find"). The words come once, here, from
wordfreq's lists (Apache licence for the code, CC BY-SA 4.0 for the data): the package is not
needed at run time. Words are folded as the matcher folds them (lower case, no accents);
words shorter than the speller's shortest guarded word are left out.
"""

from __future__ import annotations

import wordfreq

from bot.settings import REPOSITORY
from bot.understanding.text import normalize

WORDS = 25_000  # the most frequent words of each language kept
MIN_LENGTH = 4  # shorter words are typos as often as words ("teh", "wat")…
SHORT_WORDS = 10_000  # … except the three-letter words among this many most frequent ones
SHORT_LENGTH = 3  # ("sir", "saw", "lie", "bac" are real words: "sir" was read "six")


def main() -> None:
    words: set[str] = set()
    for lang in ("en", "fr"):
        for place, word in enumerate(wordfreq.top_n_list(lang, WORDS)):
            folded = normalize(word)
            shortest = SHORT_LENGTH if place < SHORT_WORDS else MIN_LENGTH
            if len(folded) >= shortest and folded.isascii() and folded.isalpha():
                words.add(folded)
    target = REPOSITORY / "bot" / "understanding" / "common_latin.txt"
    target.write_text("\n".join(sorted(words)) + "\n", "utf-8")
    print(f"{len(words)} words written to {target}")


if __name__ == "__main__":
    main()
