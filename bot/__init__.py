"""CQMU Exchange Assistant: a Telegram bot for CQMU's international programmes."""
