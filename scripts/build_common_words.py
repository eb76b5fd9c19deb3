"""Write bot/understanding/common_words.txt: the most frequent Chinese words of 2 to 4 characters.

    pip install jieba==0.42.1 && python scripts/build_common_words.py

The Chinese speller may replace characters the knowledge base uses when a message carries
several homophone typos at once (向目 for 项目, 时验事 for 实验室); a piece that contains a
common real word (大雪, 儿童, 听说) is never so replaced. The words come once, here, from
jieba's dictionary (MIT licence, with frequencies): the package is not needed at run time.
Traditional forms are left out (the bot reads simplified text).
"""

from __future__ import annotations

from pathlib import Path

import jieba
import zhconv

from bot.settings import REPOSITORY

WORDS = 40_000  # the most frequent words kept


def main() -> None:
    source = Path(jieba.__file__).with_name("dict.txt")
    found: list[tuple[int, str]] = []
    for line in source.read_text("utf-8").splitlines():
        word, count, *_ = line.split()
        chinese = 2 <= len(word) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in word)
        if chinese and zhconv.convert(word, "zh-cn") == word:
            found.append((int(count), word))
    found.sort(key=lambda f: (-f[0], f[1]))
    words = sorted(word for _, word in found[:WORDS])
    target = REPOSITORY / "bot" / "understanding" / "common_words.txt"
    target.write_text("\n".join(words) + "\n", "utf-8")
    print(f"{len(words)} words written to {target}")


if __name__ == "__main__":
    main()
