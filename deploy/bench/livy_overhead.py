#!/usr/bin/env python3
"""Livy vs spark-submit on this machine: time from submit to the first step, and the step time.

Starts the assembled Livy 0.7.1 server (deploy/livy/livy-server) on a free loopback port and runs the same
search REPS times each way, interleaved (spark-submit, Livy, spark-submit, ...), all with Spark local[2]:
  - spark-submit: deploy/bin/sparknas-submit search ...;
  - Livy: deploy/bin/sparknas-livy submit search ... --wait.
Per run it reads the run's status.json (first_step_at: when this launch's first step ended) and
metrics.jsonl (each step's seconds). It prints one JSON line per run and a summary line with the medians:
  startup_s = first_step_at - the first step's seconds - the moment the command was started
  step_s    = median step time over steps 2.. (step 1 warms the JIT)
Usage: deploy/bench/livy_overhead.py [REPS] [STEPS] [key=value ...]   (after `mvn -q -B -DskipTests package`;
default: 3 reps, 6 steps of conf/search-fashion-mnist.conf)
"""
import datetime, glob, json, os, shutil, socket, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def measure(mode, run_dir, started):
    status = json.load(open(os.path.join(run_dir, "status.json")))
    steps = [json.loads(l) for l in open(os.path.join(run_dir, "metrics.jsonl")) if l.startswith('{"type":"step"')]
    if status["state"] != "finished" or not steps:
        raise SystemExit(f"{mode} run {run_dir} did not finish: {status}")
    first = parse_time(status["first_step_at"])
    return {"mode": mode, "startup_s": round(first - steps[0]["seconds"] - started, 3),
            "first_step_end_s": round(first - started, 3),
            "step_s": round(statistics.median(s["seconds"] for s in steps[1:]), 4), "steps": len(steps)}


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    nsteps = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    extra = sys.argv[3:]
    jars = glob.glob(os.path.join(ROOT, "spark-job/target/spark-job-*-app.jar"))
    if not jars:
        raise SystemExit("build first: mvn -q -B -DskipTests package")
    work = tempfile.mkdtemp(prefix="sparknas-livy-bench-")
    os.makedirs(os.path.join(work, "livy/jars"))
    jar = os.path.join(work, "livy/jars/app.jar")
    shutil.copy(jars[0], jar)
    port = free_port()
    env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1")
    env.pop("SPARK_HOME", None)
    server = subprocess.Popen([os.path.join(ROOT, "deploy/livy/livy-server"), "--work", os.path.join(work, "livy"),
                               "--port", str(port), "--master", "local[2]"], env=env,
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "livy-server.log"), "w"))
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "/batches", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        args = ["search", "-c", os.path.join(ROOT, "conf/search-fashion-mnist.conf"), "search.epochs=1",
                f"search.steps-per-epoch={nsteps}", "run.log-every=1", "monitor.eval-batches=0",
                f"run.output={work}/runs"] + extra
        results = []
        for rep in range(reps):
            for mode in ("spark-submit", "livy"):
                run_id = f"{mode}-{rep}"
                started = time.time()
                if mode == "spark-submit":
                    cmd = [os.path.join(ROOT, "deploy/bin/sparknas-submit")] + args + [f"run.id={run_id}"]
                    menv = dict(env, SPARKNAS_MASTER="local[2]")
                else:
                    cmd = [os.path.join(ROOT, "deploy/bin/sparknas-livy"), "submit"] + args + [
                        f"run.id={run_id}", "--wait"]
                    menv = dict(env, SPARKNAS_LIVY_URL=url, SPARKNAS_LIVY_JAR=jar)
                done = subprocess.run(cmd, env=menv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      text=True)
                if done.returncode != 0:
                    raise SystemExit(f"{mode} failed ({done.returncode}): {done.stderr[-2000:]}")
                r = measure(mode, os.path.join(work, "runs", run_id), started)
                r["rep"] = rep
                print(json.dumps(r), flush=True)
                results.append(r)
        summary = {"summary": True, "reps": reps, "steps": nsteps, "config": " ".join(args[1:] + extra)}
        for mode in ("spark-submit", "livy"):
            rs = [r for r in results if r["mode"] == mode]
            summary[mode] = {k: statistics.median(r[k] for r in rs) for k in ("startup_s", "first_step_end_s", "step_s")}
        summary["step_ratio_livy_to_submit"] = round(statistics.median(
            l["step_s"] / s["step_s"] for l, s in zip([r for r in results if r["mode"] == "livy"],
                                                      [r for r in results if r["mode"] == "spark-submit"])), 4)
        print(json.dumps(summary), flush=True)
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
