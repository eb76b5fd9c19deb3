"""Follow-ups about the list or the item in focus: "is dermatology one of them?" after a list
is that list's "not among" answer; "is this lab open to us?" after a lab is about that lab.

Which list and item are in focus is the conversation's :class:`Focus`; the lists, their items
and the fields known not to be listed are the knowledge base's (``matching.yaml``
``not_listed``): no word of a message is special-cased here.
"""

from __future__ import annotations

from bot.content.knowledge import Item
from bot.content.languages import LANGUAGES
from bot.understanding.answers import Assistant, Reply
from bot.understanding.combining import topic_answer
from bot.understanding.focus import Focus


def list_in_focus(assistant: Assistant, focus: Focus) -> str | None:
    """The list the conversation is about: the list last answered, or the only list of the
    item last answered (an item of several lists leaves it open)."""
    kb = assistant.kb
    if focus.list is None or focus.list not in kb.entries or not kb.entries[focus.list].item_ids:
        return None
    if focus.topic == focus.list:
        return focus.list
    item = kb.items.get(focus.item or "")
    if item is not None and len(item.memberships) == 1:
        return focus.list
    return None


def unlisted_in_focus(assistant: Assistant, focus: Focus, text: str, lang: str) -> Reply | None:
    """A follow-up naming a field that is not in the list in focus: "not among" that list.

    The field is one known not to be listed ("is dermatology one of them?" after the hospital
    specialties, "有兽医吗" after the PhD disciplines), or an item of another list ("and
    Statistics?" after the PhD disciplines: a master's discipline). A message that names a
    list of its own is about that list, not the one in focus."""
    matcher, kb = assistant.matcher, assistant.kb
    focus_list = list_in_focus(assistant, focus)
    named_lists = set(matcher.named_lists(text))
    named = matcher.named_items(text)
    listed = matcher.not_listed(text)
    if listed is not None and not named:
        group = listed[2]
        list_id = focus_list or group.list_id
        if named_lists - {list_id} or list_id not in kb.entries:
            return None
        names = {language: group.names[language][0] for language in group.names}
        return assistant.not_listed_reply(names, list_id, lang)
    if focus_list is None or focus.topic != focus_list or len(named) != 1:
        return None
    item = kb.items[next(iter(named))]
    if named_lists - {focus_list} - {m.entry_id for m in item.memberships}:
        return None
    if _in_list(assistant, item, focus_list):
        return None
    names = {language: item.label(language) for language in LANGUAGES}
    return assistant.not_listed_reply(names, focus_list, lang, item)


def _in_list(assistant: Assistant, item: Item, list_id: str) -> bool:
    """Whether an item, or one of the items named after it ("Pediatrics": the pediatric
    specialties), is in a list."""
    entry = assistant.kb.entries[list_id]
    if item.id in entry.item_ids:
        return True
    return any(other.id in entry.item_ids for other in assistant.family(item.id))


def item_in_focus(assistant: Assistant, focus: Focus, text: str, reply: Reply) -> Reply | None:
    """A message pointing at the item in focus ("is this lab open to exchange students?" after
    a lab) answered with the item's list: the item itself."""
    kb = assistant.kb
    item = kb.items.get(focus.item or "")
    if item is None or reply.intent is None or assistant.matcher.named_items(text):
        return None
    if reply.intent not in {m.entry_id for m in item.memberships}:
        return None
    return topic_answer(assistant, item.id, reply.language, reply.score)
