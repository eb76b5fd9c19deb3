"""The thing a Chinese message describes before naming its kind (看牙的那个学科, 检验那个国重学科).

A Chinese speaker who does not know an item's name describes it and then says what kind of
thing it is: "看牙的那个学科有博士点吗", "研究孩子生长发育的那个教育部实验室", "搞B超那个国家级的
实验室". Read whole, such a message is closer to the list its kind names (the PhD disciplines,
the national labs) than to the item described, because the qualifiers of the kind (博士点,
国家级, 教育部) are the list's own words. :func:`described` gives the description joined to
the kind's word alone (看牙 学科, 搞b超 实验室), which the matcher scores beside the whole
message: each topic keeps its best score, so the item described can win over its list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.understanding.text import simplified

_CLAUSE_END = "，,。.？?！!；;：: \n"  # 、 lists the traits of one description
_POINTING = "这那"  # a description that points back (专门做这块的实验室) describes nothing


def described_pattern(
    demonstratives: Sequence[str], kinds: Sequence[str], openers: Sequence[str] = ()
) -> re.Pattern[str]:
    """The pattern of "description (的)demonstrative … kind" (看牙的那个学科, 检验那个国重学科)
    or "demonstrative description 的 … kind" (那种把中医和西医放在一起学的硕士学科): the
    description is two to sixteen characters of one clause, the kind the first kind word
    within eight characters after it in the same clause (longest kind words first). An
    ``opener`` (专门) only opens a description: "专门 description 的 … kind" (专门看眼的科);
    where it is found, it is taken before the other forms."""
    dem = "|".join(re.escape(d) for d in sorted(demonstratives, key=len, reverse=True))
    kind = "|".join(re.escape(k) for k in sorted(kinds, key=len, reverse=True))
    other = f"[^{re.escape(_CLAUSE_END)}]"
    before = f"(?P<before>{other}{{2,16}}?)的?(?:{dem}){other}{{0,8}}?(?P<kind>{kind})"
    after = f"(?:{dem})(?P<after>{other}{{2,14}}?)的{other}{{0,8}}?(?P<kind2>{kind})"
    forms = [before, after]
    if openers:
        opener = "|".join(re.escape(o) for o in sorted(openers, key=len, reverse=True))
        own = f"[^{re.escape(_CLAUSE_END + _POINTING)}]"  # 专门做这块的: described before
        opened = f"(?:{opener})(?P<opened>{own}{{2,14}})的{other}{{0,8}}?(?P<kind3>{kind})"
        forms.insert(0, f"^[\\s\\S]*?{opened}")  # anywhere, before the other forms
    return re.compile("|".join(forms))


def described(
    text: str,
    pattern: re.Pattern[str],
    lead: Sequence[str] = (),
    stop: frozenset[str] = frozenset(),
) -> str | None:
    """The description and kind of a Chinese message that describes a thing before naming
    its kind ("看牙的那个学科有博士点吗" → "看牙 学科"), without a leading ``lead`` word
    (有没有); None when the message has no such phrase whose description has two characters
    or more that are not ``stop`` characters ("我想去那个科", "你们那个实验室": a phrase with a
    shorter description gives way to a later one, 重医有这种结合的方向 is 结合 方向).
    Traditional characters are read as simplified (專門睇眼嘅科 is 专门看眼的科)."""
    text = simplified(text)
    found = pattern.search(text)
    while found is not None:
        description = _description(found, lead)
        if sum(char not in stop for char in description) >= 2:
            break
        found = pattern.search(text, found.start() + 1)  # 重医有这种结合的方向: 结合
    if found is None:
        return None
    kind = found.group("kind3") or found.group("kind") or found.group("kind2")
    return f"{description} {kind}"


def _description(found: re.Match[str], lead: Sequence[str]) -> str:
    """The description a match of :func:`described_pattern` holds, without its leading
    ``lead`` words (有没有, 重医)."""
    description = found.group("opened") or found.group("before") or found.group("after")
    for word in sorted(lead, key=len, reverse=True):
        if description.startswith(word):
            return description[len(word) :]
    return description
