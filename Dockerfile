# The grader API.
FROM python:3.11-slim
# Point this at PyTorch's CPU wheel index to keep the image small (a plain install of torch
# pulls the much larger CUDA build).
ARG TORCH_INDEX_URL=""
WORKDIR /app
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
RUN pip install ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} torch==2.13.0
COPY pyproject.toml README.md alembic.ini ./
COPY grader ./grader
COPY migrations ./migrations
COPY rubrics ./rubrics
COPY content ./content
RUN pip install -e . && grader export-onnx
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"
# Migrate, then serve (grader serve migrates SQLite itself; PostgreSQL is migrated here).
CMD ["sh", "-c", "grader db upgrade && grader serve --host 0.0.0.0 --port 8000"]
