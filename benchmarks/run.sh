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
ROUNDS=${BENCH_ROUNDS:-3}  # redemption rounds, each beside its own ceiling run
ROUND=${BENCH_ROUND_DURATION:-10s}
UPPER_BOUND=${BENCH_UPPER_BOUND:-0}  # 1: also the redemption's upper bound (README)
ONLY=${BENCH_ONLY:-}  # "catalogue": only the catalogue as visitors vary it (for iterating)
export DJANGO_SETTINGS_MODULE=o2o.settings.production
export SECRET_KEY=benchmark-only-secret-key-not-for-production-use-0123456789
export ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=False SECURE_COOKIES=False
export DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/o2o_bench}
export REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/3}
export BENCHMARK_VIEWS=True CONN_MAX_AGE=600 LOG_LEVEL=WARNING LOG_FORMAT=plain
# The benchmarks pay on the development gateway: production settings refuse
# it unless asked for (payments.checks).
export PAYMENTS_GATEWAY=dev

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

if [ "${BENCH_SKIP_SETUP:-0}" != 1 ]; then
$BIN/python - "$DATABASE_URL" <<'PY'
import sys, psycopg
base, name = sys.argv[1].rsplit("/", 1)
conn = psycopg.connect(base + "/postgres", autocommit=True)
if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
    conn.execute("CREATE DATABASE " + name)
PY
fi
# Also when the data is reused: the code may have changed since it was made.
$BIN/python manage.py migrate --noinput -v0
$BIN/python manage.py collectstatic --noinput -v0
if [ "${BENCH_SKIP_SETUP:-0}" != 1 ]; then
$BIN/python manage.py seed_demo --no-images >/dev/null
$BIN/python manage.py grow_bench_data --offers "$OFFERS" --vouchers "$VOUCHERS" | tail -2
# grow_bench_data writes in bulk, past the index's upkeep: index the deals it made.
$BIN/python manage.py rebuild_search_index | tail -1
fi
mkdir -p var
# Fresh vouchers for the redemption run (each request redeems a new code).
[ "$ONLY" = catalogue ] && ROUNDS=0
read -r STORE_ID CASHIER_TOKEN < <($BIN/python benchmarks/redemption_setup.py var/bench-codes.txt $(( ROUNDS * 15000 * (1 + UPPER_BOUND) + 5000 )))
$BIN/python manage.py shell -v 0 -c "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')" || true

# Paths as visitors vary them, and a signed-in visitor's cookie (issue #15).
COOKIE=$($BIN/python benchmarks/catalogue_urls.py var/bench-urls)
OFFER_ID=$($BIN/python manage.py shell -v 0 -c "from offers.selectors import visible_offers; print(visible_offers().order_by('-sold_count').first().pk)")
# The production web process (gunicorn.conf.py: sync workers, 2 per CPU).
HOST=127.0.0.1 PORT=$PORT WEB_ACCESS_LOG=/dev/null $BIN/gunicorn o2o.wsgi --log-level warning \
  > var/bench-gunicorn.log 2>&1 &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

run() {  # name url
  # Warm every worker process (connections, templates, caches), then measure.
  wrk -t2 -c32 -d3s "$2" > /dev/null
  wrk -t2 -c32 -d"$DURATION" --latency "$2" > "var/bench-$1.txt"
  $BIN/python benchmarks/wrk_summary.py "$1" "var/bench-$1.txt"
}
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB; $(date -u +%F)"
if [ "$ONLY" != catalogue ]; then
run ceiling "http://127.0.0.1:$PORT/bench/ceiling/"
run offer-list "http://127.0.0.1:$PORT/deals/?sort=best_selling"
run offer-page "http://127.0.0.1:$PORT/deals/$OFFER_ID/"
$BIN/python benchmarks/wrk_summary.py --compare var/bench-ceiling.txt var/bench-offer-list.txt var/bench-offer-page.txt
fi

varied() {  # name paths-file [cookie]: GETs of paths picked at random (benchmarks/paths.lua)
  wrk -t2 -c32 -d3s -s benchmarks/paths.lua "http://127.0.0.1:$PORT" -- "$2" "${3:-}" > /dev/null
  $BIN/python benchmarks/cpu_per_request.py "var/bench-$1.txt" -- \
    wrk -t2 -c32 -d"$DURATION" --latency -s benchmarks/paths.lua "http://127.0.0.1:$PORT" \
    -- "$2" "${3:-}"
  $BIN/python benchmarks/wrk_summary.py "$1" "var/bench-$1.txt"
}
echo "the catalogue as visitors vary it (random category × district × sort × page, searches, nearby points):"
wrk -t2 -c32 -d3s "http://127.0.0.1:$PORT/bench/ceiling/" > /dev/null
$BIN/python benchmarks/cpu_per_request.py var/bench-ceiling-again.txt -- \
  wrk -t2 -c32 -d"$DURATION" --latency "http://127.0.0.1:$PORT/bench/ceiling/"
$BIN/python benchmarks/wrk_summary.py ceiling-again var/bench-ceiling-again.txt
varied browse var/bench-urls-browse.txt
varied browse-signed-in var/bench-urls-browse.txt "$COOKIE"
varied search-signed-in var/bench-urls-search.txt "$COOKIE"
varied nearby var/bench-urls-nearby.txt
$BIN/python benchmarks/wrk_summary.py --compare-varied var/bench-ceiling-again.txt \
  var/bench-browse.txt var/bench-browse-signed-in.txt var/bench-search-signed-in.txt var/bench-nearby.txt
# The same varied lists from a view with nothing around their query (benchmarks/views.py):
# not the product, the most any design that asks the database per request could reach.
sed 's|^/deals/|/bench/catalogue-upper-bound/|' var/bench-urls-browse.txt > var/bench-urls-upper-bound.txt
echo "the varied list's upper bound (its query and kept cards, nothing else; not the product):"
varied browse-upper-bound var/bench-urls-upper-bound.txt
$BIN/python benchmarks/wrk_summary.py --compare-varied var/bench-ceiling-again.txt var/bench-browse-upper-bound.txt
[ "$ONLY" = catalogue ] && exit 0

echo "redemption (POST /api/v1/redemptions/, a new code each time; $ROUNDS rounds, each beside a ceiling run just before it):"
tail -n 5000 var/bench-codes.txt > var/bench-codes-warm.txt  # the warm-up's own codes
# For reference, the same requests to a DRF view that does nothing: the cost
# of the framework and the token alone.
wrk -t2 -c32 -d"$ROUND" --latency -s benchmarks/redeem.lua "http://127.0.0.1:$PORT" \
  -- var/bench-codes-warm.txt 2 "$CASHIER_TOKEN" "$STORE_ID" /bench/api-floor/ > var/bench-api-floor.txt
$BIN/python benchmarks/wrk_summary.py api-floor var/bench-api-floor.txt
wrk -t2 -c32 -d3s -s benchmarks/redeem.lua "http://127.0.0.1:$PORT" \
  -- var/bench-codes-warm.txt 2 "$CASHIER_TOKEN" "$STORE_ID" > /dev/null
rounds() {  # NAME FIRST_CHUNK [PATH]: ROUNDS pairs of (ceiling, the redemption's requests to PATH)
  PAIRS=()
  for r in $(seq "$ROUNDS"); do
    # 15,000 fresh codes per round: more than a round redeems.
    sed -n "$(( ($2 + r - 1) * 15000 + 1 )),$(( ($2 + r) * 15000 ))p" var/bench-codes.txt > var/bench-codes-run.txt
    # Each run with the CPU it cost per request, by process (cpu_per_request.py).
    $BIN/python benchmarks/cpu_per_request.py "var/bench-ceiling-$1$r.txt" -- \
      wrk -t2 -c32 -d"$ROUND" --latency "http://127.0.0.1:$PORT/bench/ceiling/"
    $BIN/python benchmarks/cpu_per_request.py "var/bench-$1$r.txt" -- \
      wrk -t2 -c32 -d"$ROUND" --latency -s benchmarks/redeem.lua "http://127.0.0.1:$PORT" \
      -- var/bench-codes-run.txt 2 "$CASHIER_TOKEN" "$STORE_ID" ${3:-}
    PAIRS+=("var/bench-ceiling-$1$r.txt:var/bench-$1$r.txt")
  done
}
rounds redemption-r 0
$BIN/python benchmarks/wrk_summary.py --rounds "${PAIRS[@]}"

if [ "$UPPER_BOUND" = 1 ]; then
  # The same statement and rules with nothing around them (benchmarks/views.py):
  # not the product, a measure of what DRF and the token's cache cost.
  echo "redemption's upper bound (POST /bench/redemption-upper-bound/: no DRF, the token's user kept in the process for good; not the product):"
  rounds upper-bound-u "$ROUNDS" /bench/redemption-upper-bound/
  $BIN/python benchmarks/wrk_summary.py --reference-rounds "${PAIRS[@]}"
fi

echo "flash deal:"
$BIN/python benchmarks/flash_deal.py "http://127.0.0.1:$PORT"

echo "coupon claiming (领券):"
$BIN/python benchmarks/coupon_claim.py "http://127.0.0.1:$PORT"

echo "expiry of the benchmark vouchers in batches:"
$BIN/python benchmarks/expiry.py
