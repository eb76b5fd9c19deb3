# CQMU Exchange Assistant — production image.
# Build: docker build -t cqmu-exchange-bot .
# Run:   docker run -d --env-file .env -v cqmu-bot-data:/data cqmu-exchange-bot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_KNOWLEDGE_DIR=/app/knowledge \
    BOT_CONVERSATIONS_DIR=/app/conversations

WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml changes, not
# when the code, the knowledge base or the README do. The list is read from pyproject.toml
# itself, so it cannot drift from it.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt \
    && useradd --system --uid 10001 --home-dir /app bot \
    && mkdir -p /data && chown bot /data

# Then the package itself, without touching the dependencies installed above.
COPY README.md ./
COPY bot ./bot
COPY telegram_emulator ./telegram_emulator
# Byte-code compiled now: PYTHONDONTWRITEBYTECODE keeps the bot from writing it at run time, and
# compiling its modules at every start cost 0.25 s of the 2 s start-up budget.
RUN pip install --no-deps . && rm -rf build *.egg-info \
    && python -m compileall -q bot telegram_emulator

COPY knowledge ./knowledge
COPY conversations ./conversations

# The matcher's caches — the sentence encoder ready to load and the knowledge base's
# embeddings, 96 MB, 5-15 s to build — are built here, so that a container starts warm even
# with an empty volume: at start the bot links them into /data/cache, which then holds only
# what a change needs (embeddings including coordinators' learned examples). Readable by the
# bot's user (the files are written 0600). Rebuilt when the knowledge or the code changes.
RUN python -m bot prepare /app/cache && chmod -R a+rX /app/cache
ENV BOT_PREBUILT_CACHE_DIR=/app/cache

USER bot
# The database lives on the /data volume, whatever BOT_DATA_DIR an --env-file carries (an .env
# written for running without Docker says ./data, which here would be /app/data: not writable
# by this user, and not on the volume): the commands below set it themselves. A bind-mounted
# folder must be writable by uid 10001 (see README, Deployment).
ENV BOT_DATA_DIR=/data
VOLUME ["/data"]
# Webhook mode listens on BOT_PORT (default 8443); polling needs no port. The coordinators'
# console (only with BOT_WEB_URL set) listens on BOT_WEB_PORT (default 8081): docs/console.md.
EXPOSE 8443 8081

# Healthy while the bot's event loop runs (it touches /data/heartbeat every 30 s) and its
# database is readable; `python -m bot health` takes about 0.1 s of CPU (BENCHMARKS.md).
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 \
    CMD ["env", "BOT_DATA_DIR=/data", "python", "-m", "bot", "health"]

# env execs python, which stays PID 1 and gets docker stop's SIGTERM.
CMD ["env", "BOT_DATA_DIR=/data", "python", "-m", "bot", "run"]
