# Stagecoach: a slim image that runs `python -m bot` (which applies migrations first).
FROM python:3.11-slim AS deps
WORKDIR /build
COPY pyproject.toml ./
# Only the runtime dependencies: the app itself runs from /app, beside alembic.ini and migrations/.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))" \
      > requirements.txt \
 && pip install --no-cache-dir --prefix=/install -r requirements.txt

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=3000 \
    DATABASE_URL=sqlite:////data/stagecoach.db
RUN useradd --create-home --uid 10001 stagecoach \
 && mkdir /data && chown stagecoach:stagecoach /data
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
