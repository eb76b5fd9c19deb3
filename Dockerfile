# CQMU Exchange Assistant — production image.
# Build: docker build -t cqmu-exchange-bot .
# Run:   docker run -d --env-file .env -v cqmu-bot-data:/data cqmu-exchange-bot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_DATA_DIR=/data \
    BOT_KNOWLEDGE_DIR=/app/knowledge \
    BOT_CONVERSATIONS_DIR=/app/conversations

WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY telegram_emulator ./telegram_emulator
RUN pip install . && useradd --system --uid 10001 --home-dir /app bot \
    && mkdir -p /data && chown bot /data

COPY knowledge ./knowledge
COPY conversations ./conversations

USER bot
VOLUME ["/data"]
# Webhook mode listens on BOT_PORT (default 8443); polling needs no port.
EXPOSE 8443

CMD ["python", "-m", "bot", "run"]
