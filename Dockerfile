# One image for the four processes; docker-compose.yml picks the command.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN useradd --create-home --uid 10001 esante
COPY pyproject.toml constraints.txt README.md Procfile ./
COPY api ./api
COPY actors ./actors
COPY streams ./streams
COPY domain ./domain
COPY scheduler ./scheduler
COPY config ./config
COPY infra ./infra
RUN pip install -c constraints.txt .
USER esante
ENV HOST=0.0.0.0 PORT=8000 ESANTE_ENV=production
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request,os;urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/health/live',timeout=2)"
CMD ["esante", "web"]
