#!/usr/bin/env bash
# The stability study (docs/stability.md): for each α-gradient estimator and seed, a search with the same
# budget, then a re-training of its genotype with the same retrain config, and one table: estimator, seed,
# skip_connect counts per epoch (normal/reduce), super-net vs sub-net gap per epoch, final genotype,
# retrained test accuracy.
#   deploy/bench/stability-study.sh [OUT_DIR] [extra overrides for both stages, key=value ...]
# Environment: ESTIMATORS (default "first-order second-order amended implicit"), SEEDS (default "1 2"),
#   SEARCH_OVERRIDES (default: the default search with α's Adam lr raised tenfold to 3e-3, so that α moves
#   within its 24 steps; at 3e-4 its entropy stays at ln 8 to 4 digits), RETRAIN_OVERRIDES (default: a
#   2-epoch re-training on 2,048 images, tested on the first 2,000 test images).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(realpath -m "${1:-stability-study}")"
shift || true
estimators=${ESTIMATORS:-first-order second-order amended implicit}
seeds=${SEEDS:-1 2}
search_overrides=${SEARCH_OVERRIDES:-optim.alpha.lr=3e-3}
retrain_overrides=${RETRAIN_OVERRIDES:-retrain.epochs=2 data.limit=2048 retrain.test-limit=2000}
mkdir -p "$out"
for seed in $seeds; do
  for est in $estimators; do
    id="search-$est-s$seed"
    if [[ ! -f "$out/$id/genotype.json" ]]; then
      # shellcheck disable=SC2086
      "$here/deploy/bin/sparknas" search -c "$here/conf/search-fashion-mnist.conf" run.output="$out" run.id="$id" \
        run.seed="$seed" search.estimator="$est" $search_overrides "$@"
    fi
    if [[ ! -f "$out/$id-retrain/result.json" ]]; then
      # shellcheck disable=SC2086
      "$here/deploy/bin/sparknas" retrain -c "$here/conf/retrain-fashion-mnist.conf" --from "$out/$id" \
        run.output="$out" run.id="$id-retrain" run.seed="$seed" $retrain_overrides "$@"
    fi
  done
done
# the table: one row per (estimator, seed), from the runs' metrics.jsonl and result.json
python3 - "$out" $estimators -- $seeds <<'PY'
import json, sys, pathlib
out = pathlib.Path(sys.argv[1]); args = sys.argv[2:]; cut = args.index('--')
estimators, seeds = args[:cut], args[cut + 1:]
rows = []
print("| estimator | seed | skip_connect normal per epoch | reduce per epoch | gap (super − sub acc) per epoch "
      "| final normal cell | retrained test acc |")
print("|---|---|---|---|---|---|---|")
for est in estimators:
    for seed in seeds:
        run = out / f"search-{est}-s{seed}"
        epochs = [json.loads(l) for l in (run / "metrics.jsonl").read_text().splitlines() if '"type":"epoch"' in l]
        result = json.loads((out / f"search-{est}-s{seed}-retrain" / "result.json").read_text())
        genotype = json.loads((run / "genotype.json").read_text())
        normal = ", ".join(f"{e['op']}@{e['input']}" for e in genotype["normal"])
        gaps = " ".join(f"{e.get('optimization_gap', float('nan')):+.3f}" for e in epochs)
        row = dict(estimator=est, seed=int(seed), skip_normal=[e["skip_connect_normal"] for e in epochs],
                   skip_reduce=[e["skip_connect_reduce"] for e in epochs],
                   gap=[e.get("optimization_gap") for e in epochs], genotype=result["genotype"],
                   test_accuracy=result["test_accuracy"], alpha_entropy=[e["alpha_entropy"] for e in epochs])
        rows.append(row)
        print(f"| {est} | {seed} | {' '.join(map(str, row['skip_normal']))} | {' '.join(map(str, row['skip_reduce']))} "
              f"| {gaps} | {normal} | {result['test_accuracy']:.4f} |")
(out / "stability.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
PY
