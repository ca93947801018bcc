"""Airflow DAG: a long amended-DARTS search in scheduled slices.

Each run of the DAG launches the same sparknas run (fixed run.id) with a time budget. The job exits 0
when the search is finished and 75 after writing a checkpoint when its budget runs out; the next
scheduled run resumes from that checkpoint. Exit 75 is therefore a success of the slice (the task is
marked skipped, not failed); any other non-zero exit fails the task (2 config, 3 data/I-O or corrupt
checkpoints, 4 diverged). Requires apache-airflow-providers-apache-spark and a Spark connection
("spark_default") pointing at the cluster.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.exceptions import AirflowException, AirflowSkipException
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

APP_JAR = "hdfs:///sparknas/lib/spark-job-0.1.0-SNAPSHOT-app.jar"
RUN_ID = "cifar10-amended"
BUDGET = "5h30m"  # leave room before the next slice and for the checkpoint



class ResumableSparkSubmitOperator(SparkSubmitOperator):
    """A slice that stopped on its budget (spark-submit exit 75 after a checkpoint) is skipped, not failed."""

    def execute(self, context):
        try:
            return super().execute(context)
        except AirflowException as e:  # the hook reports "... Error code is: <rc>."
            if "Error code is: 75" in str(e):
                raise AirflowSkipException("time budget reached after a checkpoint; the next slice resumes the run")
            raise


with DAG(
    dag_id="sparknas_search",
    start_date=datetime(2026, 12, 1),
    schedule="0 */6 * * *",
    catchup=False,
    max_active_runs=1,  # two slices of one run must never overlap
    default_args={"retries": 1, "retry_delay": timedelta(minutes=10)},
) as dag:

    search = ResumableSparkSubmitOperator(
        task_id="search_slice",
        conn_id="spark_default",
        application=APP_JAR,
        java_class="ai.sparknas.spark.SparkMain",
        name=f"sparknas {RUN_ID}",
        deploy_mode="client",  # the driver's exit code (0 / 75 / error) is spark-submit's exit code
        application_args=[
            "search", "-c", "/opt/sparknas/conf/search-cifar10.conf",
            f"run.id={RUN_ID}", "run.output=hdfs:///sparknas/runs", f"run.max-wall-time={BUDGET}",
            "data.dir=hdfs:///datasets/cifar-10-batches-bin",
        ],
        num_executors=4,
        executor_cores=4,
        executor_memory="8g",
        driver_memory="4g",
        conf={
            "spark.task.cpus": "4",
            "spark.executor.memoryOverhead": "4g",
            "spark.driver.maxResultSize": "2g",
            "spark.kryoserializer.buffer.max": "512m",
        },
    )
