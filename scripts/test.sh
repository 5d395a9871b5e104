#!/usr/bin/env bash
# Installs Tinget with its test tools into .venv, then runs ruff, mypy --strict and pytest.
# Tests use TINGET_DATABASE_URL / TINGET_NATS_URL when set; otherwise testcontainers when a
# Docker engine answers; otherwise the embedded PostgreSQL and NATS.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/system.sh
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[test]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
# Two processes (pytest-xdist); the second gets an embedded PostgreSQL of its own (tests/services.py).
# TINGET_TEST_WORKERS=0 runs the suite in this one process.
exec .venv/bin/pytest -n "${TINGET_TEST_WORKERS:-2}" "$@"
