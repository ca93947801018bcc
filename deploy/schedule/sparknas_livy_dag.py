"""Airflow DAG: a long amended-DARTS search in scheduled slices, submitted through Apache Livy.

The Livy twin of sparknas_search_dag.py (SparkSubmitOperator), for clusters where Airflow reaches Spark
only through Livy. Each DAG run submits the same sparknas run (fixed run.id) as a Livy batch with a time
budget. The job exits 0 when the search is finished and 75 after writing a checkpoint when its budget runs
out (or when Livy kills it: SIGTERM); Livy reports both 75 and any failure as state "dead", so the
operator reads the job's own exit code from the batch log (its last line, "sparknas: exit code N") and
marks a budget stop as skipped: the next slice resumes the run (the batch log holds the driver's output in
client deploy mode, Livy's default; in YARN cluster mode read the exit code from the run's status.json, which
records it with the batch name as app_name). Any other exit fails the task (2 config,
3 data/I-O or corrupt checkpoints, 4 diverged, 5 the run is busy in another launch). Requires
apache-airflow-providers-apache-livy and a Livy connection ("livy_default").
"""
import re
from datetime import datetime, timedelta
from time import sleep

from airflow import DAG
from airflow.exceptions import AirflowException, AirflowSkipException
from airflow.providers.apache.livy.hooks.livy import BatchState
from airflow.providers.apache.livy.operators.livy import LivyOperator

APP_JAR = "hdfs:///sparknas/lib/spark-job-0.1.0-SNAPSHOT-app.jar"
RUN_ID = "cifar10-amended"
BUDGET = "5h30m"  # leave room before the next slice and for the checkpoint
SUSPENDED = 75
# Java 17's module flags (Spark's JavaModuleOptions) and the kernels' Vector API module for the driver,
# as deploy/bin/sparknas-livy sends them (NotebookTest checks this line against the jar's own).
DRIVER_JAVA_OPTIONS = "-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false --add-modules=jdk.incubator.vector"
EXIT_LINE = re.compile(r"^sparknas: exit code (\d+)$")


def job_exit_code(log_lines):
    """The job's exit code from its batch log, or None when the log does not show it."""
    codes = [int(m.group(1)) for m in (EXIT_LINE.match(line.strip()) for line in log_lines) if m]
    return codes[-1] if codes else None


class ResumableLivyOperator(LivyOperator):
    """A slice that stopped on its budget (the job's exit 75 after a checkpoint) is skipped, not failed."""

    def poll_for_termination(self, batch_id):
        hook = self.get_hook()
        state = hook.get_batch_state(batch_id)
        while state not in hook.TERMINAL_STATES:
            sleep(self._polling_interval)
            state = hook.get_batch_state(batch_id)
        hook.dump_batch_logs(batch_id)
        if state == BatchState.SUCCESS:
            return
        code = job_exit_code(hook.get_batch_logs(batch_id, 0, 100000).get("log", []))
        if code == SUSPENDED:
            raise AirflowSkipException("time budget reached after a checkpoint; the next slice resumes the run")
        raise AirflowException(f"Livy batch {batch_id} ended {state.value}, job exit code {code}")


with DAG(
    dag_id="sparknas_search_livy",
    start_date=datetime(2026, 12, 1),
    schedule="0 */6 * * *",
    catchup=False,
    max_active_runs=1,  # two slices of one run must never overlap (the run's lease would refuse the second: exit 5)
    default_args={"retries": 1, "retry_delay": timedelta(minutes=10)},
) as dag:

    search = ResumableLivyOperator(
        task_id="search_slice",
        livy_conn_id="livy_default",
        file=APP_JAR,
        class_name="ai.sparknas.spark.SparkMain",
        name=f"sparknas {RUN_ID} {{{{ ts_nodash }}}}",  # Livy refuses a batch name in use
        args=[
            "search", "-c", "/opt/sparknas/conf/search-cifar10.conf",
            f"run.id={RUN_ID}", "run.output=hdfs:///sparknas/runs", f"run.max-wall-time={BUDGET}",
            "data.dir=hdfs:///datasets/cifar-10-batches-bin",
        ],
        num_executors=4,
        executor_cores=4,
        executor_memory="8g",
        driver_memory="4g",
        conf={
            "spark.driver.extraJavaOptions": DRIVER_JAVA_OPTIONS,
            "spark.task.cpus": "4",
            "spark.executor.memoryOverhead": "4g",
            "spark.driver.maxResultSize": "2g",
            "spark.kryoserializer.buffer.max": "512m",
        },
        polling_interval=60,
    )
