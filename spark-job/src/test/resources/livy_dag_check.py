"""Loads deploy/schedule/sparknas_livy_dag.py against minimal stand-ins of the Airflow classes it uses and
checks its budget-stop rule: a batch whose job exited 75 is skipped, any other failure fails, success passes.
Run by LivyDagTest (Airflow itself is not installed here); exits non-zero with the reason on a failure."""
import enum, runpy, sys, types

def module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m

class AirflowException(Exception):
    pass

class AirflowSkipException(AirflowException):
    pass

class BatchState(enum.Enum):
    RUNNING = "running"
    SUCCESS = "success"
    DEAD = "dead"
    KILLED = "killed"

class FakeHook:
    TERMINAL_STATES = {BatchState.SUCCESS, BatchState.DEAD, BatchState.KILLED}

    def __init__(self, states, log):
        self.states, self.log = list(states), log

    def get_batch_state(self, batch_id):
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]

    def dump_batch_logs(self, batch_id):
        return self.log

    def get_batch_logs(self, batch_id, start, size):
        return {"id": batch_id, "log": self.log}

class LivyOperator:
    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self._polling_interval = 0

    def get_hook(self):
        return self.hook

class DAG:
    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

module("airflow", DAG=DAG)
module("airflow.exceptions", AirflowException=AirflowException, AirflowSkipException=AirflowSkipException)
for name in ("airflow.providers", "airflow.providers.apache", "airflow.providers.apache.livy",
             "airflow.providers.apache.livy.hooks", "airflow.providers.apache.livy.operators"):
    module(name)
module("airflow.providers.apache.livy.hooks.livy", BatchState=BatchState)
module("airflow.providers.apache.livy.operators.livy", LivyOperator=LivyOperator)

dag = runpy.run_path(sys.argv[1])
op = dag["search"]

def outcome(states, log):
    op.hook = FakeHook(states, log)
    try:
        op.poll_for_termination(7)
        return "passed"
    except AirflowSkipException:
        return "skipped"
    except AirflowException as e:
        return "failed: " + str(e)

checks = [
    (outcome([BatchState.RUNNING, BatchState.DEAD], ["epoch 1/50 ...", "sparknas: stopped: run.max-wall-time reached",
                                                   "sparknas: exit code 75"]), "skipped"),
    (outcome([BatchState.DEAD], ["sparknas: input/output error: ...", "sparknas: exit code 3"]),
     "failed: Livy batch 7 ended dead, job exit code 3"),
    (outcome([BatchState.KILLED], ["no exit line"]), "failed: Livy batch 7 ended killed, job exit code None"),
    (outcome([BatchState.RUNNING, BatchState.RUNNING, BatchState.SUCCESS], ["wrote genotype"]), "passed"),
]
for got, want in checks:
    if got != want:
        sys.exit(f"expected {want!r}, got {got!r}")
args = op.kwargs["args"]
if "run.max-wall-time=5h30m" not in args or op.kwargs["class_name"] != "ai.sparknas.spark.SparkMain":
    sys.exit("the slice must run SparkMain with a time budget: " + repr(op.kwargs))
print(op.kwargs["conf"]["spark.driver.extraJavaOptions"])
