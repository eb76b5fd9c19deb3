"""python-telegram-bot's echo bot: the floor ``bench_latency.py`` compares this bot with.

    TELEGRAM_BOT_TOKEN=... TELEGRAM_API_BASE_URL=http://127.0.0.1:8082/bot \\
        .venv/bin/python benchmarks/echo_bot.py

PTB's own example (``examples/echobot.py``) as a minimal bot does it: ``run_polling`` with the
defaults, a text is answered with one ``sendMessage`` repeating it; and a button press with one
``editMessageText`` (the reply carries one button to press). No rate limiter, no persistence.
"""

from __future__ import annotations

import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

BUTTON = InlineKeyboardMarkup([[InlineKeyboardButton("again", callback_data="again")]])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The text back, with a button."""
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text, reply_markup=BUTTON)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One edit of the pressed message (its text changes at every press)."""
    assert update.callback_query is not None
    await update.callback_query.edit_message_text(
        f"pressed ({update.update_id})", reply_markup=BUTTON
    )


def main() -> None:
    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_BASE_URL"])
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.add_handler(CallbackQueryHandler(pressed))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
