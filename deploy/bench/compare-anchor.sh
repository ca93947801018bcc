#!/usr/bin/env bash
# Side-by-side step times of this project and the PyTorch anchor (../shared/anchors/torch_darts_step.py)
# on the same configuration, interleaved per estimator so that both see the same machine load.
# Needs: the build (mvn -q -B -DskipTests package), Debian's python3-torch, dataset-fashion-mnist.
#   deploy/bench/compare-anchor.sh [steps] [warmup]      -> JSON lines on stdout, one per program and estimator,
#   then the interleaved first-order/amended pair of this project
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
anchor="${ANCHOR:-$here/../shared/anchors/torch_darts_step.py}"
steps="${1:-5}"
warmup="${2:-2}"
for est in first-order second-order amended; do
  torch_name="${est%%-*}"            # first, second, amended
  /usr/bin/python3 "$anchor" --estimator "$torch_name" --layers 5 --channels 8 --batch 32 --image-size 28 \
    --in-channels 1 --threads 2 --data fashion-mnist --steps "$steps" --warmup "$warmup" \
    | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(json.dumps({"program":"pytorch-anchor","estimator":d["estimator"],"median_step_s":d["median_step_s"],"effective_gflops":d["effective_gflops"],"peak_rss_mb":d["peak_rss_mb"],"step_times_s":d["step_times_s"]}))'
  "$here/deploy/bin/sparknas" bench -c "$here/conf/search-fashion-mnist.conf" --estimators "$est" \
    --steps "$steps" --warmup "$warmup" compute.threads=2 2>/dev/null \
    | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(json.dumps({"program":"sparknas","estimator":d["estimator"],"median_step_s":d["median_step_s"],"effective_gflops":d["effective_gflops"],"peak_rss_mb":d["peak_rss_mb"],"step_times_s":d["step_times_s"]}))'
done
# this project's estimators against each other in one JVM, stepped in turns (bench --interleave): the
# per-round ratio to first-order is what issue #2's "amended <= 3.0x first-order" bar reads
"$here/deploy/bin/sparknas" bench -c "$here/conf/search-fashion-mnist.conf" --estimators first-order,amended \
  --steps "$steps" --warmup "$warmup" --interleave compute.threads=2 2>/dev/null \
  | python3 -c 'import json,sys
for line in sys.stdin:
    d=json.loads(line); print(json.dumps({"program":"sparknas-interleaved","estimator":d["estimator"],"median_step_s":d["median_step_s"],"median_step_ratio_to_first_order":d["median_step_ratio_to_first"],"step_times_s":d["step_times_s"]}))'
