#!/usr/bin/env bash
# Circles beside its peers: every system through W1, W2 and W3 of the peers harness
# (../shared/bench/peers), two runs each, in one go; then the side-by-side tables.
#
#   bash benchmarks/peers.sh            # about 8 minutes (478 s) on the 2-core box
#
# Results: benchmarks/results/peers/<system>-<workload>.json (the harness's JSON),
# circles-<workload>.clients.jsonl (the Circles clients' counters), node logs (*.log,
# git-ignored), source.txt (which Circles code ran) and table.md (all tables).
# The figures and their reading are in docs/performance.md.
#
# Environment (all optional):
#   PEERS_SYSTEMS  systems to run, in order (default "circles socketio broadcaster
#                  channels-cap"; add "channels" for stock Channels, which loses 50-95%)
#   RUNS           runs per system and workload (default 2)
#   WORKLOADS      default "W1 W2 W3"
#   PEERS_PY       the harness's venv python (default /tmp/peers-venv/bin/python; made
#                  here from the harness's requirements.txt when it is missing)
#
# Every run is bounded by the harness (fixed counts, a 75 s deadline, a 5 s idle stop).
# Redis: bench.py starts one on 127.0.0.1:6390 when none answers there and stops it at
# its exit; before every run it FLUSHALLs it, so never point it at a Redis you keep.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS=${PEERS_DIR:-$(cd "$ROOT/../shared/bench/peers" && pwd)}
PY=${PEERS_PY:-/tmp/peers-venv/bin/python}
RUNS=${RUNS:-2}
WORKLOADS=${WORKLOADS:-"W1 W2 W3"}
SYSTEMS=${PEERS_SYSTEMS:-"circles socketio broadcaster channels-cap"}
export PEERS_RESULTS=$ROOT/benchmarks/results/peers
T0=$(date +%s)

# --- setup (the harness README's, once) --------------------------------------------
command -v redis-server >/dev/null || (apt-get update && apt-get install -y redis-server)
if [ ! -x "$PY" ]; then
  python3 -m venv "$(dirname "$(dirname "$PY")")"
  "$PY" -m pip install -q -r "$PEERS/requirements.txt"
fi
[ -x "$ROOT/.venv/bin/python" ] || { echo "no $ROOT/.venv: install the project first" >&2; exit 2; }

# --- a snapshot of the code under test ----------------------------------------------
# The nodes run a copy of circles/, protocol/ and moderation/ taken now, so edits made
# in the work tree while this runs cannot change the code half-way.
SNAP=$(mktemp -d /tmp/circles-bench-src.XXXXXX)
SAMPLER=""
cleanup() {
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null
  rm -rf "$SNAP"
}
trap cleanup EXIT
(cd "$ROOT" && tar --exclude=__pycache__ -cf - circles protocol moderation) | tar -xf - -C "$SNAP"
export CIRCLES_BENCH_SRC=$SNAP
export CIRCLES_BENCH_PYTHON=$ROOT/.venv/bin/python
export CIRCLES_BENCH_ROOMS_FILE=$SNAP/rooms.json
# Circles are created over node B's HTTP API: in W3 every member goes to node A and
# only node A's CPU is read, and creating circles is the operator's work, not a member's.
export CIRCLES_BENCH_API_PORT=8102

mkdir -p "$PEERS_RESULTS"
rm -f "$PEERS_RESULTS"/*.json "$PEERS_RESULTS"/*.jsonl "$PEERS_RESULTS"/*.log \
      "$PEERS_RESULTS"/*.txt "$PEERS_RESULTS"/table.md
{
  echo "started: $(date -u +%FT%TZ)"
  echo "git HEAD: $(git -C "$ROOT" rev-parse HEAD)"
  echo "work tree changes under circles/ protocol/ moderation/ (git status --porcelain):"
  git -C "$ROOT" status --porcelain -- circles protocol moderation | sed 's/^/  /'
  echo "sha256 of the snapshot's files: $(cd "$SNAP" && find circles protocol moderation -type f | sort | xargs sha256sum | sha256sum | cut -c1-16)"
  echo "machine: $(nproc) cores, $(uname -r), load avg $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$PEERS_RESULTS/source.txt"

# --- the runs: workload by workload, so all systems of one workload run close together
failed=()
for w in $WORKLOADS; do
  for s in $SYSTEMS; do
    echo "=== $s $w ($(( $(date +%s) - T0 )) s elapsed)"
    if [ "$s" = circles ]; then
      # '' = no query on the Redis URL: Circles runs with its own pool (a blocking pool
      # of 64 connections). The harness's default ?max_connections=2000, which the
      # peers need, would be accepted and would override that size.
      export CIRCLES_BENCH_CLIENT_STATS=$PEERS_RESULTS/circles-$w.clients.jsonl
      # Redis' connected_clients every 0.5 s: shows whether the nodes' pools filled up
      (while sleep 0.5; do
         redis-cli -p 6390 info clients 2>/dev/null | tr -d '\r' | grep '^connected_clients:'
       done > "$PEERS_RESULTS/circles-$w.redis-clients.txt") &
      SAMPLER=$!
      PYTHONPATH=$ROOT/benchmarks "$PY" "$PEERS/bench.py" --system circles_adapter:CirclesAdapter \
        --workload "$w" --runs "$RUNS" --redis-query '' || failed+=("$s $w")
      kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null; SAMPLER=""
      unset CIRCLES_BENCH_CLIENT_STATS
    else
      "$PY" "$PEERS/bench.py" --system "$s" --workload "$w" --runs "$RUNS" || failed+=("$s $w")
    fi
  done
done

# --- tables -------------------------------------------------------------------------
{
  echo "# Circles beside the peers: one run of benchmarks/peers.sh"
  echo
  sed 's/^/    /' "$PEERS_RESULTS/source.txt"
  echo
  "$PY" "$ROOT/benchmarks/circles_adapter.py" sidebyside "$PEERS_RESULTS"
  echo
  echo "## Every run (the harness's report.py)"
  echo
  "$PY" "$PEERS/report.py"
  echo
  "$PY" "$ROOT/benchmarks/circles_adapter.py" summary "$PEERS_RESULTS"
} > "$PEERS_RESULTS/table.md"
echo "finished: $(date -u +%FT%TZ), $(( $(date +%s) - T0 )) s" >> "$PEERS_RESULTS/source.txt"

cat "$PEERS_RESULTS/table.md"
echo
echo "-> $PEERS_RESULTS/table.md ($(( $(date +%s) - T0 )) s in all)"
if [ ${#failed[@]} -gt 0 ]; then
  echo "!! failed: ${failed[*]}" >&2
  exit 1
fi
