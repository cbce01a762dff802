#!/usr/bin/env bash
# The embedded default: no server needed. SQLite file + Celery's filesystem broker under var/, unless
# DATABASE_URL / REDIS_URL are set. Migrates, seeds the demo, then runs web + worker + beat together;
# Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
mkdir -p var
python manage.py migrate --noinput
python manage.py seed_demo
python manage.py seed_demo_incidents
cat <<MSG

  Emergency Desk (客服中心应急指挥台) is starting at http://${HOST:-127.0.0.1}:${PORT:-8000}/
  Demo logins (password: ${DEMO_PASSWORD:-demo-pass-2026}):
    gm (组长/总经理)  supervisor (副组长/现场主管)  phone_lead  complaint_lead  sudden_lead
    agent (坐席)  security_head (大厦安全保卫)  hq_office (总行办公室)  auditor (审计)  admin (系统管理员)
  Database: ${DATABASE_URL:-SQLite var/emergency_desk.sqlite3}   Broker: ${CELERY_BROKER_URL:-${REDIS_URL:-filesystem (var/broker)}}
  Ctrl-C stops the web server, the worker and beat together.

MSG
exec honcho -f Procfile.dev start
