# The desk's one image: web, worker, cron and the start-up check all run it (compose.yaml).
# Built from the project's own files only; Redis is a separate service.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=3000

WORKDIR /app
COPY pyproject.toml ./
COPY app.py Procfile catalog.example.toml ./
COPY bot ./bot
COPY blocks ./blocks
COPY handlers ./handlers
COPY workers ./workers
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /app soporte
USER soporte

EXPOSE 3000
# The Procfile's web line; compose.yaml gives worker and cron their own commands.
CMD ["sh", "-c", "exec gunicorn --bind 0.0.0.0:${PORT} --workers 2 --threads 8 --graceful-timeout 10 --no-control-socket 'app:wsgi_from_env()'"]
