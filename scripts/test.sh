#!/usr/bin/env bash
# Installs Tinget with its test tools into .venv, then runs ruff, mypy --strict and pytest.
# Tests use TINGET_DATABASE_URL / TINGET_NATS_URL when set; otherwise testcontainers when a
# Docker engine answers; otherwise the embedded PostgreSQL and NATS.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[test]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/pytest "$@"
