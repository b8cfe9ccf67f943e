#!/usr/bin/env bash
# Load benchmarks (make bench): gunicorn on loopback against this machine's
# PostgreSQL, with a bare Django view measured in the same run as the ceiling.
# Not part of the tests. Figures and commands are recorded in benchmarks/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
OFFERS=${BENCH_OFFERS:-10000}
VOUCHERS=${BENCH_VOUCHERS:-1000000}
DURATION=${BENCH_DURATION:-20s}
PORT=${BENCH_PORT:-8090}
export DJANGO_SETTINGS_MODULE=o2o.settings.production
export SECRET_KEY=benchmark-only-secret-key-not-for-production-use-0123456789
export ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=False SECURE_COOKIES=False
export DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/o2o_bench}
export REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/3}
export BENCHMARK_VIEWS=True CONN_MAX_AGE=600 LOG_LEVEL=WARNING LOG_FORMAT=plain

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

$BIN/python - "$DATABASE_URL" <<'PY'
import sys, psycopg
base, name = sys.argv[1].rsplit("/", 1)
conn = psycopg.connect(base + "/postgres", autocommit=True)
if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
    conn.execute("CREATE DATABASE " + name)
PY
$BIN/python manage.py migrate --noinput -v0
$BIN/python manage.py collectstatic --noinput -v0
$BIN/python manage.py seed_demo --no-images >/dev/null
$BIN/python manage.py grow_bench_data --offers "$OFFERS" --vouchers "$VOUCHERS" | tail -2
$BIN/python manage.py shell -v 0 -c "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')" || true

OFFER_ID=$($BIN/python manage.py shell -v 0 -c "from offers.selectors import visible_offers; print(visible_offers().order_by('-sold_count').first().pk)")
$BIN/gunicorn o2o.wsgi --bind 127.0.0.1:$PORT --workers 2 --worker-class gthread --threads 8 \
  --log-level warning --access-logfile /dev/null &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

run() {  # name url
  curl -sf -o /dev/null "$2"  # warm
  wrk -t2 -c32 -d"$DURATION" --latency "$2" > "var/bench-$1.txt"
  $BIN/python benchmarks/wrk_summary.py "$1" "var/bench-$1.txt"
}
mkdir -p var
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB; $(date -u +%F)"
run ceiling "http://127.0.0.1:$PORT/bench/ceiling/"
run offer-list "http://127.0.0.1:$PORT/deals/?sort=best_selling"
run offer-page "http://127.0.0.1:$PORT/deals/$OFFER_ID/"
$BIN/python benchmarks/wrk_summary.py --compare var/bench-ceiling.txt var/bench-offer-list.txt var/bench-offer-page.txt

echo "flash deal:"
$BIN/python benchmarks/flash_deal.py "http://127.0.0.1:$PORT"

echo "expiry of $VOUCHERS vouchers in batches:"
$BIN/python manage.py shell -v 0 -c "
import time
from django.utils import timezone
from datetime import timedelta
from orders.models import Voucher
from orders.services import expire_vouchers
from payments.models import LedgerEntry
LedgerEntry.objects.filter(source__startswith='expiry:').delete()  # a rerun starts over
Voucher.objects.filter(status__in=['issued', 'expired'], offer__title__startswith='Benchmark deal').update(status='issued', expires_at=timezone.now() - timedelta(days=1))
start = time.perf_counter(); n = expire_vouchers(batch_size=5000); took = time.perf_counter() - start
print(f'  expired {n} vouchers in {took:.1f} s ({n / took:,.0f}/s); target < 60 s: {\"PASS\" if took < 60 else \"FAIL\"}')
"
