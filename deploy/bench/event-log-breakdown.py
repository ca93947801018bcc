#!/usr/bin/env python3
"""Where a Spark round's time goes, from a Spark event log (docs/performance.md quotes its output).

Run a bench or search with the event log on, for example
  SPARKNAS_SUBMIT_OPTS='--conf spark.eventLog.enabled=true --conf spark.eventLog.dir=file:/tmp/ev' \\
    deploy/bin/sparknas-submit bench ...
then: deploy/bench/event-log-breakdown.py /tmp/ev/app-...   [--skip N: leave out the first N rounds, default 2]

Prints one line per round (Spark job) and the medians per kind of round, in milliseconds: the job's wall
time, job start -> tasks launched, each task's deserialisation, its run time, the result's bytes, and
last task finished -> job end. The kernels' own time is in metrics.jsonl (compute_s, fetch_s, exchange_s).
"""
import argparse
import json
import statistics
from collections import defaultdict


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log", help="a Spark event log file (uncompressed JSON lines)")
    ap.add_argument("--skip", type=int, default=2, help="rounds left out at the start (warm-up)")
    args = ap.parse_args()
    jobs, stage_job, tasks = {}, {}, defaultdict(list)
    with open(args.log, encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            kind = e["Event"]
            if kind == "SparkListenerJobStart":
                desc = e.get("Properties", {}).get("spark.job.description", "")
                jobs[e["Job ID"]] = {"start": e["Submission Time"], "desc": desc}
                for s in e.get("Stage IDs", []):
                    stage_job[s] = e["Job ID"]
            elif kind == "SparkListenerJobEnd":
                jobs[e["Job ID"]]["end"] = e["Completion Time"]
            elif kind == "SparkListenerTaskEnd":
                info, metrics = e["Task Info"], e.get("Task Metrics") or {}
                tasks[stage_job.get(e["Stage ID"])].append({
                    "launch": info["Launch Time"], "finish": info["Finish Time"],
                    "deser": metrics.get("Executor Deserialize Time", 0), "run": metrics.get("Executor Run Time", 0),
                    "result": metrics.get("Result Size", 0)})
    rounds = [(j, v) for j, v in sorted(jobs.items()) if " · round " in v["desc"] and "end" in v]
    by_kind = defaultdict(lambda: defaultdict(list))
    print("job  wall  launch  deser(max)  run(max)  result_bytes  tail  round")
    for j, v in rounds[args.skip:]:
        ts = tasks[j]
        if not ts:
            continue
        row = {"wall": v["end"] - v["start"], "launch": min(t["launch"] for t in ts) - v["start"],
               "deser": max(t["deser"] for t in ts), "run": max(t["run"] for t in ts),
               "result": sum(t["result"] for t in ts), "tail": v["end"] - max(t["finish"] for t in ts)}
        kind = v["desc"].split(" · round ", 1)[1][2:]
        for k, x in row.items():
            by_kind[kind][k].append(x)
        print(f"{j:3d} {row['wall']:5d} {row['launch']:6d} {row['deser']:10d} {row['run']:8d} "
              f"{row['result']:13d} {row['tail']:5d}  {v['desc']}")
    print("medians per kind of round:")
    for kind, cols in by_kind.items():
        med = {k: statistics.median(x) for k, x in cols.items()}
        print(f"  {kind}: " + ", ".join(f"{k} {med[k]:.0f}" for k in ("wall", "launch", "deser", "run", "result", "tail"))
              + f" ({len(cols['wall'])} rounds)")


if __name__ == "__main__":
    main()
