# Web-Begleiter co-browsing relay.
#
#   docker build -t web-begleiter .
#   docker run --rm -p 127.0.0.1:8080:8080 \
#     -v /etc/web-begleiter:/etc/web-begleiter:ro web-begleiter
#
# Put a TLS reverse proxy in front (docs/deployment.md). The config file is
# mounted, never baked in: it holds the signing key and password hashes.

# --- stage 1: the browser bundle (esbuild) -----------------------------------
FROM node:20-slim AS bundle
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY client_js/ client_js/
RUN mkdir -p cobrowse/static/js && npm run build

# --- stage 2: the relay -------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# Python packages only from the committed lock (hashes checked), uv pinned too.
COPY scripts/uv-requirements.txt scripts/
RUN pip install --require-hashes --no-deps -r scripts/uv-requirements.txt
COPY pyproject.toml uv.lock README.md ./
RUN uv export --quiet --frozen --no-dev --no-emit-project --format requirements-txt -o /tmp/locked.txt \
    && pip install --require-hashes --no-deps -r /tmp/locked.txt
COPY cobrowse/ cobrowse/
COPY --from=bundle /src/cobrowse/static/js/ cobrowse/static/js/
RUN pip install --no-deps . \
    && pip uninstall --yes uv \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin cobrowse \
    && rm -rf /app/cobrowse /tmp/locked.txt
USER cobrowse
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
ENTRYPOINT ["cobrowse"]
CMD ["serve", "--config", "/etc/web-begleiter/config.toml", "--host", "0.0.0.0", "--port", "8080", "--log-format", "json"]
