# Stagecoach: a slim image that runs `python -m bot` (which applies migrations first).
FROM python:3.11-slim AS deps
WORKDIR /build
COPY requirements.lock ./
# Only the runtime dependencies, exactly as pinned and hashed in requirements.lock (CI tests the same
# pins: requirements-dev.lock is constrained to them). The app itself runs from /app, beside alembic.ini
# and migrations/.
RUN pip install --no-cache-dir --prefix=/install --require-hashes --no-deps -r requirements.lock

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=3000 \
    DATABASE_URL=sqlite:////data/stagecoach.db
# /app/data -> /data: a DATABASE_URL relative to the app (the default ./data/stagecoach.db, which a blank
# DATABASE_URL from `docker run --env-file .env` gives) lands in the
# volume too, so the image's user (uid 10001) only ever writes to /data.
RUN useradd --create-home --uid 10001 stagecoach \
 && mkdir /data && chown stagecoach:stagecoach /data \
 && mkdir /app && ln -s /data /app/data
COPY --from=deps /install /usr/local
WORKDIR /app
COPY alembic.ini ./
COPY migrations ./migrations
COPY content ./content
COPY bot ./bot
USER stagecoach
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=2)"
CMD ["python", "-m", "bot"]
