#!/usr/bin/env bash
# Spark overhead on this machine, one JSON line per measurement (docs/performance.md records the output):
#   1. Kryo cost of round payloads: INDArray (dl4j-spark Nd4jRegistrator) vs double[] vs float[];
#   2. step time of each estimator, default config: in-process vs Spark local[1] vs local[2];
#   3. per-round overhead (wall − slowest task's kernel time) for the default config and a 1.9M-weight
#      config (8 cells, C 16), on local[2] and on local-cluster[2,1,...] (a standalone Master with two
#      Workers, executors in their own JVMs).
# Usage: deploy/bench/spark-overhead.sh [steps] [warmup]   (needs `mvn -q -B -DskipTests package`)
set -euo pipefail
cd "$(dirname "$0")/../.."
steps="${1:-3}"
warmup="${2:-1}"
conf=conf/search-fashion-mnist.conf
submit=deploy/bin/sparknas-submit
quiet() { grep '^{' || true; }

SPARKNAS_MASTER='local[1]' "$submit" bench-serde 2>/dev/null | quiet
for est in first-order second-order amended; do
  deploy/bin/sparknas bench -c "$conf" --estimators "$est" --steps "$steps" --warmup "$warmup" compute.threads=2 | quiet
  SPARKNAS_MASTER='local[1]' "$submit" bench -c "$conf" --estimators "$est" --steps "$steps" --warmup "$warmup" \
    spark.kernel-threads=2 2>/dev/null | quiet
  SPARKNAS_MASTER='local[2]' "$submit" bench -c "$conf" --estimators "$est" --steps "$steps" --warmup "$warmup" \
    2>/dev/null | quiet
done
big="search.layers=8 search.channels=16"
SPARKNAS_MASTER='local[2]' "$submit" bench -c "$conf" --estimators first-order --steps 2 --warmup 1 $big 2>/dev/null | quiet
SPARKNAS_MASTER='local-cluster[2,1,6144]' SPARKNAS_DRIVER_MEMORY=2g \
  SPARKNAS_SUBMIT_OPTS='--conf spark.executor.memory=5g' "$submit" bench -c "$conf" \
  --estimators first-order,amended --steps "$steps" --warmup "$warmup" 2>/dev/null | quiet
SPARKNAS_MASTER='local-cluster[2,1,6144]' SPARKNAS_DRIVER_MEMORY=2g \
  SPARKNAS_SUBMIT_OPTS='--conf spark.executor.memory=5g' "$submit" bench -c "$conf" \
  --estimators first-order --steps 2 --warmup 1 $big 2>/dev/null | quiet
