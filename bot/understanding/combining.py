"""Replies built from topics: one topic's answer, and several answers in one reply, in order."""

from __future__ import annotations

from dataclasses import replace

from bot.content.buttons import Button
from bot.understanding.answers import ANSWER, MAX_TEXT, Assistant, Reply

MAX_BUTTONS = 4  # topic buttons kept under a combined reply (then the menu)
SEPARATOR = "\n\n"  # between the answers of a combined reply
TEXTS = frozenset({"questions_unanswered"})  # a message's questions not answered, counted


def topic_answer(assistant: Assistant, topic: str, lang: str, score: float = 1.0) -> Reply:
    """The answer of one topic, with the score it was chosen with."""
    reply = assistant.topic_reply(topic, lang)
    return replace(reply, score=score, topics=(topic,))


def combine(assistant: Assistant, replies: list[Reply], lang: str) -> Reply:
    """Several answers in one reply, in order (a topic answered twice kept once); an answer
    that would make the message too long for Telegram is left out and offered as a button
    instead. Questions not answered (declines, when another one is answered) are never
    dropped silently: the reply ends by saying how many to ask again on their own."""
    answered = [r for r in replies if r.intent is not None]
    if len(replies) == 1 or not answered:
        return replies[0]
    unanswered = len(replies) - len(answered)
    kept: list[Reply] = []
    for reply in answered:
        if all(set(r.topics or (r.intent,)) != set(reply.topics or (reply.intent,)) for r in kept):
            kept.append(reply)
    note = assistant.texts.get("questions_unanswered", lang, n=unanswered) if unanswered else ""
    if len(kept) == 1:
        return _noted(kept[0], note)
    room = MAX_TEXT - (len(SEPARATOR) + len(note) if note else 0)
    return _noted(_joined(assistant, kept, lang, room), note)


def _noted(reply: Reply, note: str) -> Reply:
    """A reply ending with the note on the questions it could not answer (if any)."""
    return replace(reply, text=f"{reply.text}{SEPARATOR}{note}") if note else reply


def _joined(assistant: Assistant, kept: list[Reply], lang: str, room: int) -> Reply:
    """Answers of different topics joined in one reply, in order, while they fit in
    ``room`` characters (the others offered as buttons)."""
    fitting: list[Reply] = []
    left_out: list[str] = []
    for reply in kept:
        size = sum(len(r.text) + len(SEPARATOR) for r in fitting) + len(reply.text)
        if fitting and size > room:
            left_out.extend(t for t in reply.topics or (reply.intent,) if t is not None)
        else:
            fitting.append(reply)
    kept = fitting
    text = SEPARATOR.join(r.text for r in kept)
    buttons: list[Button] = [assistant.topic_button(t, lang) for t in left_out]
    for button in (b for r in kept for b in r.buttons):
        if button.action != "menu:main" and all(b.action != button.action for b in buttons):
            buttons.append(button)
    buttons = [*buttons[:MAX_BUTTONS], assistant.menu_button(lang)]
    topics = tuple(t for r in kept for t in (r.topics or (r.intent,)) if t is not None)
    first = kept[0]
    kind = first.kind if all(r.kind == first.kind for r in kept) else ANSWER
    score = min(r.score for r in kept)
    return Reply(text, tuple(buttons), first.intent, score, lang, kind, topics, first.programme)
