"""The answering core: a question in, the reply a student would see out (no Telegram here)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.content.buttons import Button
from bot.content.knowledge import KnowledgeBase, load_knowledge
from bot.content.learned import load_learned, with_learned
from bot.content.texts import Texts
from bot.understanding.matcher import Candidate, Match, Matcher, MatchingConfig

ANSWER, SUGGEST, FALLBACK = "answer", "suggest", "fallback"
MAX_SUGGESTIONS = 3
CORE_TEXTS = {
    "did_you_mean",
    "fallback",
    "item_intro",
    "button_main_menu",
    "button_coordinator",
    "button_signup",
}


@dataclass(frozen=True)
class Reply:
    """What the student is sent: HTML text and buttons, with how it was chosen."""

    text: str
    buttons: tuple[Button, ...]
    intent: str | None
    score: float
    language: str
    kind: str


class Assistant:
    """Answers questions from the knowledge base in the student's language."""

    def __init__(self, kb: KnowledgeBase, matcher: Matcher, texts: Texts) -> None:
        texts.require(CORE_TEXTS, "conversations/texts.yaml")
        self.kb, self.matcher, self.texts = kb, matcher, texts
        self.config = matcher.config
        # A message is often matched twice (the sign-up form's "wish to apply" check, then
        # the answer): remember recent matches.
        self.match = lru_cache(maxsize=1024)(matcher.match)

    @classmethod
    def load(
        cls, knowledge_dir: Path, conversations_dir: Path, learned: Path | None = None
    ) -> Assistant:
        """Load and validate the knowledge base, matching settings and UI texts; the learned
        examples of the file ``learned`` (if given) are added to the entries first."""
        kb = load_knowledge(knowledge_dir)
        if learned is not None:
            kb = with_learned(kb, load_learned(learned, kb))
        config = MatchingConfig.load(knowledge_dir / "matching.yaml")
        return cls(kb, Matcher(kb, config), Texts.load(conversations_dir))

    def answer(self, question: str, lang: str | None = None) -> Reply:
        """Reply to a free-text question; ``lang`` forces the reply language."""
        match = self.match(question)
        return self.reply_to_match(match, lang or match.language)

    def reply_to_match(self, match: Match, lang: str) -> Reply:
        """Answer, suggest or decline, following the thresholds of ``matching.yaml``."""
        best = match.candidates[0] if match.candidates else None
        if best is None or best.score < self.config.suggest_threshold:
            return self.fallback(lang, best.score if best else 0.0)
        close = [
            c.topic_id
            for c in match.candidates[1:]
            if c.score >= max(best.score - self.config.margin, self.config.suggest_threshold)
        ]
        if best.score >= self.config.answer_threshold and self._explains(best):
            reply = self.topic_reply(best.topic_id, lang, extra=close[: MAX_SUGGESTIONS - 1])
            return Reply(reply.text, reply.buttons, best.topic_id, best.score, lang, ANSWER)
        suggestions = [best.topic_id, *close][:MAX_SUGGESTIONS]
        buttons = [self.topic_button(t, lang) for t in suggestions]
        if all(b.action != "coordinator" for b in buttons):
            buttons.append(self.action_button("coordinator", lang))
        buttons.append(self.menu_button(lang))
        return Reply(
            self.texts.get("did_you_mean", lang), tuple(buttons), None, best.score, lang, SUGGEST
        )

    def _explains(self, candidate: Candidate) -> bool:
        return candidate.coverage >= self.config.min_coverage

    def fallback(self, lang: str, score: float = 0.0) -> Reply:
        """The polite "not found" reply, offering the menu, a coordinator and the sign-up."""
        buttons = (
            self.menu_button(lang),
            self.action_button("coordinator", lang),
            self.action_button("signup", lang),
        )
        return Reply(self.texts.get("fallback", lang), buttons, None, score, lang, FALLBACK)

    def action_button(self, action: str, lang: str) -> Button:
        """The button of an action: ``signup`` or ``coordinator``."""
        return Button(self.texts.get(f"button_{action}", lang), action)

    def menu_button(self, lang: str) -> Button:
        """The button back to the main menu."""
        return Button(self.texts.get("button_main_menu", lang), "menu:main")

    def topic_button(self, topic_id: str, lang: str) -> Button:
        """A button opening a topic, or starting its action (sign-up, coordinator)."""
        entry = self.kb.entries.get(topic_id)
        if entry is not None and entry.action is not None:
            return self.action_button(entry.action, lang)
        return Button(self.kb.title(topic_id, lang), f"topic:{topic_id}")

    def topic_reply(self, topic_id: str, lang: str, extra: list[str] | None = None) -> Reply:
        """The answer of an entry or item with buttons: ``extra`` suggestions, related
        topics (or an item's lists), then the main menu."""
        buttons: list[Button] = []
        if topic_id in self.kb.entries:
            entry = self.kb.entries[topic_id]
            text = self.kb.render(topic_id, lang)
            related = list(entry.related)
            if entry.action is not None:
                buttons.append(self.topic_button(topic_id, lang))
        else:
            item = self.kb.items[topic_id]
            lines = [self.texts.get("item_intro", lang, name=html.escape(item.label(lang)))]
            lines += [f"• {m.text[lang]}" for m in item.memberships]
            text = "\n".join(lines)
            related = [m.entry_id for m in item.memberships]
        for related_id in [*(extra or []), *related]:
            button = self.topic_button(related_id, lang)
            if related_id != topic_id and all(b.action != button.action for b in buttons):
                buttons.append(button)
        buttons.append(self.menu_button(lang))
        return Reply(text, tuple(buttons), topic_id, 1.0, lang, ANSWER)
