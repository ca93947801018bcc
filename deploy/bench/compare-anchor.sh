#!/usr/bin/env bash
# Side-by-side step times of this project and the PyTorch anchor (../shared/anchors/torch_darts_step.py)
# on the same configuration, interleaved per estimator so that both see the same machine load. The
# anchor computes its second-order products by finite differences: this project runs each such
# estimator with estimator.products=finite-difference (the anchor's passes) and =exact (the default).
# Needs: the build (mvn -q -B -DskipTests package), dataset-fashion-mnist, and a Python with torch:
# ANCHOR_PYTHON (default /usr/bin/python3, Debian's python3-torch 1.13; a venv with pip's torch 2.13:
# python3 -m venv .venv-torch && .venv-torch/bin/pip install torch numpy; ANCHOR_PYTHON=.venv-torch/bin/python).
#   deploy/bench/compare-anchor.sh [steps] [warmup]      -> JSON lines on stdout, one per program and estimator,
#   then this project's estimators interleaved in one JVM
# SPARKNAS_OVERRIDES: extra key=value overrides for this project's runs (e.g. "compute.recompute=none").
# SKIP_INTERLEAVED=1 leaves out the interleaved runs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
anchor="${ANCHOR:-$here/../shared/anchors/torch_darts_step.py}"
python="${ANCHOR_PYTHON:-/usr/bin/python3}"
steps="${1:-5}"
warmup="${2:-2}"
torch_version=$("$python" -c 'import torch; print(torch.__version__)')
summary='import json,sys; d=json.loads(sys.stdin.read()); print(json.dumps({"program":sys.argv[1],"estimator":d["estimator"],"products":sys.argv[2],"median_step_s":d["median_step_s"],"effective_gflops":d["effective_gflops"],"peak_rss_mb":d["peak_rss_mb"],"step_times_s":d["step_times_s"]}))'
for est in first-order second-order amended; do
  torch_name="${est%%-*}"            # first, second, amended
  "$python" "$anchor" --estimator "$torch_name" --layers 5 --channels 8 --batch 32 --image-size 28 \
    --in-channels 1 --threads 2 --data fashion-mnist --steps "$steps" --warmup "$warmup" \
    | python3 -c "$summary" "pytorch-anchor $torch_version" "finite-difference"
  products=(exact)
  [[ "$est" == first-order ]] || products=(finite-difference exact)
  for p in "${products[@]}"; do
    "$here/deploy/bin/sparknas" bench -c "$here/conf/search-fashion-mnist.conf" --estimators "$est" \
      --steps "$steps" --warmup "$warmup" compute.threads=2 estimator.products="$p" ${SPARKNAS_OVERRIDES:-} 2>/dev/null \
      | python3 -c "$summary" "sparknas" "$([[ $est == first-order ]] && echo none || echo "$p")"
  done
done
# this project's estimators against each other in one JVM, stepped in turns (bench --interleave):
# each line's median per-round ratio to first-order; four networks alive at once, two of them with
# R-pass buffers, need more than the launcher's default 8g heap
[[ -n "${SKIP_INTERLEAVED:-}" ]] && exit 0
SPARKNAS_HEAP="${SPARKNAS_HEAP:-16g}" "$here/deploy/bin/sparknas" bench -c "$here/conf/search-fashion-mnist.conf" \
  --estimators first-order,second-order,amended,implicit --steps "$steps" --warmup "$warmup" --interleave \
  compute.threads=2 ${SPARKNAS_OVERRIDES:-} 2>/dev/null \
  | python3 -c 'import json,sys
for line in sys.stdin:
    d=json.loads(line); print(json.dumps({"program":"sparknas-interleaved","estimator":d["estimator"],"products":"exact","median_step_s":d["median_step_s"],"median_step_ratio_to_first_order":d["median_step_ratio_to_first"],"passes_per_step":d["passes_per_step"],"step_times_s":d["step_times_s"]}))'
