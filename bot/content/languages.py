"""The languages the bot speaks, in order of preference (English is the fallback)."""

LANGUAGES: tuple[str, ...] = ("en", "zh", "fr")
