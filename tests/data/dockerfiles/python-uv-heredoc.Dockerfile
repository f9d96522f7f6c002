# syntax=docker/dockerfile:1.7
FROM python:3.11-bookworm
RUN <<EOF
set -eux
apt-get update
apt-get install -y --no-install-recommends build-essential
rm -rf /var/lib/apt/lists/*
EOF
RUN --mount=type=cache,target=/root/.cache/uv <<EOF bash
pip install uv
uv pip install --system numpy pandas
EOF
WORKDIR /srv
COPY . .
CMD ["python", "main.py"]
