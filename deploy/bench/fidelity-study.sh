#!/usr/bin/env bash
# The recorded fidelity study (docs/fidelity.md): every estimator against the implicit-function
# reference on a small super-network, 20 (seed, α) points, 20 weight steps at fixed α before each.
#   deploy/bench/fidelity-study.sh [OUT.jsonl] [extra fidelity options, e.g. --reference-damping 10]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-fidelity-study.jsonl}"
shift || true
exec "$here/deploy/bin/sparknas" fidelity -c "$here/conf/search-fashion-mnist.conf" \
  search.layers=3 search.channels=4 search.batch=16 compute.threads=2 \
  --points 20 --warm-steps 20 --out "$out" "$@"
