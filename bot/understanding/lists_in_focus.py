"""Follow-ups about the list or the item in focus: "is forensic medicine one of them?" after a
list is that list's "not among" answer; "ce labo accueille-t-il des étudiants ?" after a lab is
about that lab.

Which list and item are in focus is the conversation's :class:`Focus`; the lists, their items
and the fields known not to be listed are the knowledge base's (``matching.yaml``
``not_listed``): no word of a message is special-cased here.
"""

from __future__ import annotations

import html

from bot.content.knowledge import Item
from bot.content.languages import LANGUAGES
from bot.understanding.answers import ANSWER, NOT_LISTED, Assistant, Reply
from bot.understanding.combining import topic_answer
from bot.understanding.focus import Focus
from bot.understanding.text import has_cjk, normalize

TEXTS = frozenset({"not_listed_unnamed"})
SURE = 0.9  # a message answered this surely alone is not read with the item in focus


def list_in_focus(assistant: Assistant, focus: Focus) -> str | None:
    """The list the conversation is about: the list last answered, or the only list of the
    item last answered (an item of several lists leaves it open)."""
    kb = assistant.kb
    if focus.list is None or focus.list not in kb.entries or not kb.entries[focus.list].item_ids:
        return None
    if focus.on_list:
        return focus.list
    item = kb.items.get(focus.item or "")
    if item is not None and len(item.memberships) == 1:
        return focus.list
    return None


def unlisted_in_focus(
    assistant: Assistant, focus: Focus, text: str, lang: str, *, elliptic: bool
) -> Reply | None:
    """A follow-up naming a field that is not in the list in focus: "not among" that list.

    The field is one known not to be listed ("is forensic medicine one of them?" after the PhD
    disciplines, "有法医学吗" after the master's), or an item of another list named in a
    message that does not stand alone (``elliptic``: "and Statistics?" after the PhD
    disciplines: a master's discipline) or names the list in focus ("Statistics, for a PhD
    too?"). A message that names another list is about that list, not the one in focus."""
    matcher, kb = assistant.matcher, assistant.kb
    focus_list = list_in_focus(assistant, focus)
    named_lists = set(matcher.named_lists(text))
    named = matcher.named_items(text)
    listed = matcher.not_listed(text)
    if listed is not None and named:  # "cardiac surgery": not Cardiology's "cardiac"
        words = listed[0] if has_cjk(listed[0]) else f" {listed[0]} "
        named = matcher.named_items(f" {normalize(text)} ".replace(words, " "))
    if listed is not None and not named:
        group = listed[2]
        list_id = focus_list or group.list_id
        if named_lists - {list_id} or list_id not in kb.entries:
            return None
        names = {language: group.names[language][0] for language in group.names}
        return assistant.not_listed_reply(names, list_id, lang)
    if focus_list is None or not focus.on_list or len(named) != 1:
        return None
    if not elliptic and focus_list not in named_lists:
        return None  # "Is Immunology an ESI field?" stands alone
    return _item_not_in(assistant, kb.items[next(iter(named))], focus_list, named_lists, lang)


def _item_not_in(
    assistant: Assistant, item: Item, list_id: str, named_lists: set[str], lang: str
) -> Reply | None:
    """ "Not among" a list for an item of another list, unless the message names a list that
    is neither (it asks about that one) or the item is in the list after all."""
    if named_lists - {list_id} - {m.entry_id for m in item.memberships}:
        return None
    if _in_list(assistant, item, list_id):
        return None
    names = {language: item.label(language) for language in LANGUAGES}
    return assistant.not_listed_reply(names, list_id, lang, item)


def unnamed_in_focus(
    assistant: Assistant,
    focus: Focus,
    text: str,
    lang: str,
    reply: Reply,
    *,
    pointing: bool,
    elliptic: bool = False,
) -> Reply | None:
    """A follow-up asking for something of the kind of the list in focus that is none of its
    items, in words the knowledge base does not know ("any lab working on microfluidics?"
    after the labs): "not among" the list, without naming it. The message names the list's
    kind by its own words (``matching.yaml`` ``list_words``) or, not standing alone
    (``elliptic``), comes right after the list ("global health?" after the master's
    disciplines); it says more than that, names no item and is not answered surely. After an
    item of the list, too ("what about a lab of biomechanics?" after a lab), unless the
    message points at that item (``pointing``: a pronoun or deixis, "这个 lab 在 list 里面吗？")."""
    matcher, kb = assistant.matcher, assistant.kb
    focus_list = list_in_focus(assistant, focus)
    if focus_list is None or focus.topic not in (focus_list, focus.item):
        return None
    if (pointing and focus.topic != focus_list) or matcher.named_items(text):
        return None
    if reply.kind == ANSWER and reply.score >= assistant.config.answer_threshold:
        return None  # "what does the programme include besides the lab?": its own answer
    if not _asked_of(assistant, focus, focus_list, text, elliptic=elliptic):
        return None
    title = html.escape(kb.title(focus_list, lang))
    intro = assistant.texts.get("not_listed_unnamed", lang, list=title)
    buttons = (
        assistant.topic_button(focus_list, lang),
        assistant.action_button("coordinator", lang),
        assistant.menu_button(lang),
    )
    text = f"{intro}\n\n{kb.render(focus_list, lang)}"
    return Reply(text, buttons, focus_list, 1.0, lang, NOT_LISTED, (focus_list,))


def _asked_of(
    assistant: Assistant, focus: Focus, focus_list: str, text: str, *, elliptic: bool
) -> bool:
    """Whether a follow-up asks for something of the list in focus that it does not name: it
    names the list's kind and says more than that ("un labo sur le paludisme ?": a word the
    knowledge base does not know is specific), or, right after the list, it does not stand
    alone and is closer in meaning to a topic than to what is out of scope ("global health?",
    "what abt health policy"; not "and the flight?"). A message naming another list is about
    that one ("is there a stem cell lab?" after the PhD disciplines)."""
    matcher = assistant.matcher
    named_lists = matcher.named_lists(text)
    if focus_list not in named_lists:
        if named_lists or not focus.on_list or not elliptic:
            return False
        if not _in_scope(assistant, text):
            return False
    rest = f" {normalize(text)} "
    for word in sorted(assistant.config.list_words.get(focus_list, ()), key=len, reverse=True):
        rest = rest.replace(word if has_cjk(word) else f" {word} ", " ")
    return bool(matcher.specific(rest) or matcher.unknown_share(rest))  # not "and the labs?"


def _in_scope(assistant: Assistant, text: str) -> bool:
    """Whether a message is closer in meaning to a topic than to the out-of-scope examples
    (by ``semantic.off_topic_margin``)."""
    match = assistant.match(text)
    if not match.by_meaning:
        return False
    closest = max((c.cosine for c in match.candidates), default=0.0)
    return closest >= match.off_topic + assistant.config.semantic.off_topic_margin


def _in_list(assistant: Assistant, item: Item, list_id: str) -> bool:
    """Whether an item, or one of the items named after it ("Pediatrics": the pediatric
    specialties), is in a list."""
    entry = assistant.kb.entries[list_id]
    if item.id in entry.item_ids:
        return True
    return any(other.id in entry.item_ids for other in assistant.family(item.id))


def item_in_focus(assistant: Assistant, focus: Focus, text: str, reply: Reply) -> Reply | None:
    """A message pointing at the item in focus ("ce labo accueille-t-il des étudiants ?" after
    a lab) answered with the item's list: the item itself."""
    kb = assistant.kb
    item = kb.items.get(focus.item or "")
    if item is None or reply.intent is None or assistant.matcher.named_items(text):
        return None
    if reply.intent not in {m.entry_id for m in item.memberships}:
        return None
    return topic_answer(assistant, item.id, reply.language, reply.score)


def item_of_its_kind(assistant: Assistant, focus: Focus, text: str, reply: Reply) -> Reply | None:
    """A message pointing at the item in focus by its kind ("Ce labo, il travaille avec
    d'autres pays ?", "可以去那个实验室做短期训练吗？" after a lab: a pronoun or deixis, and words
    naming one of the item's lists), naming no item, and not answered surely alone: the item
    itself."""
    kb, matcher = assistant.kb, assistant.matcher
    item = kb.items.get(focus.item or "")
    if item is None or matcher.named_items(text):
        return None
    if reply.kind == ANSWER and reply.score >= SURE:
        return None  # answered surely alone: what it asks
    lists = {m.entry_id for m in item.memberships}
    if not lists & set(matcher.named_lists(text)):
        return None
    return topic_answer(assistant, item.id, reply.language, SURE)


def groups_of(assistant: Assistant, item: Item) -> tuple[str, ...]:
    """The entries that group an item beside its lists ("the 111 Center" for Maternal-fetal
    Medicine): entries related to one of the item's lists, neither a list nor an item, whose
    English answer names the item."""
    kb = assistant.kb
    lists = {m.entry_id for m in item.memberships}
    name = item.name["en"]
    return tuple(
        entry.id
        for entry in kb.entries.values()
        if entry.id not in lists
        and entry.id not in kb.items
        and not entry.item_ids
        and lists & set(entry.related)
        and name in entry.answer.get("en", "")
    )


def others_in_focus(
    assistant: Assistant,
    focus: Focus,
    text: str,
    reply: Reply,
    *,
    pointing: bool,
    other_words: tuple[str, ...] = (),
) -> Reply | None:
    """A follow-up asking for what is not an item ("what else comes under that centre?" after
    Maternal-fetal Medicine, "它除了母胎医学还有哪些方向"): the item named, else the item in
    focus, is set apart; answered with that item again, one of its lists or groups, or not
    surely, it asks for the others: the group or list the conversation is on, else the group
    a pronoun points at (one group only), else the item's list. A fact answered surely keeps
    its answer ("what other costs are there?"). ``other_words``: the message says only
    "other", which asks so right before a word naming the item's list ("what other labs…",
    "别的实验室"; not "d'autres pays")."""
    kb, matcher = assistant.kb, assistant.matcher
    named = matcher.named_items(text)
    if len(named) > 1:
        return None
    item = kb.items.get(next(iter(named)) if named else focus.item or "")
    if item is None:
        return None
    lists = [m.entry_id for m in item.memberships]
    if other_words and not _other_of(assistant, text, lists, other_words):
        return None
    groups = groups_of(assistant, item)
    containers = {*lists, *groups}
    sure = reply.kind == ANSWER and reply.score >= SURE
    if sure and reply.intent not in {item.id, *containers}:
        return None
    if focus.topic in containers:
        target = focus.topic
    elif pointing and len(groups) == 1:
        target = groups[0]
    else:
        target = focus.list if focus.list in lists else lists[0]
    if target == reply.intent:
        return reply  # (not read again as the item in focus)
    return topic_answer(assistant, target, reply.language, SURE)


def _other_of(
    assistant: Assistant, text: str, lists: list[str], other_words: tuple[str, ...]
) -> bool:
    """Whether a message says "other" right before a word naming one of the lists
    (``matching.yaml`` ``list_words``: "other labs", "autres labos", "别的实验室")."""
    norm = f" {normalize(text)} "
    chinese = norm.replace(" ", "")
    for list_id in lists:
        for word in assistant.config.list_words.get(list_id, ()):
            for other in other_words:
                if has_cjk(word) and f"{other}{word}" in chinese:
                    return True
                if not has_cjk(word) and f" {other} {word} " in norm:
                    return True
    return False
