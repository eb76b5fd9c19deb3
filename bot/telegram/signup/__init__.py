"""The sign-up form's conversation, apart from its Telegram handlers
(:mod:`bot.telegram.handlers.signup`): one turn of a student whose form is open
(:mod:`.turn`), the screens (:mod:`.screens`), typed answers (:mod:`.typed_answers`) and button
presses (:mod:`.button_actions`).

The draft in ``user_data`` is the truth; it is committed before the reply that shows its
effect, so a killed bot never shows a step it would not remember. The conversation state only
mirrors it: every state accepts the same handlers, which act on the draft's step, and a draft
without a conversation (killed between the two writes) is picked up by an entry point.
Repeated updates are tolerated: a re-delivered update is recognised by its id, a re-sent answer
(typed again before the next question arrived) by its text, a re-pressed button by the step
named in its callback data (``1|su:<step>:<value>``).
"""
