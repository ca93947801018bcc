#!/usr/bin/env bash
# Submits the search to a Spark standalone cluster. Every knob is a variable here; override any of them
# from the environment (e.g. MASTER=spark://nn:7077 EXECUTORS=4 deploy/submit/standalone.sh search -c ...).
# Arguments after the script name go to the job: search|bench -c CONFIG [key=value ...].
set -euo pipefail
MASTER="${MASTER:-spark://127.0.0.1:7077}"            # standalone master URL
DEPLOY_MODE="${DEPLOY_MODE:-client}"                  # client: driver here; cluster: driver on a worker
EXECUTORS="${EXECUTORS:-2}"                           # executors (= total cores / EXECUTOR_CORES)
EXECUTOR_CORES="${EXECUTOR_CORES:-2}"                 # cores per executor
EXECUTOR_MEMORY="${EXECUTOR_MEMORY:-6g}"              # heap per executor: one network kernel per task
DRIVER_MEMORY="${DRIVER_MEMORY:-4g}"                  # driver heap: α, ω and optimizer state
TASK_CPUS="${TASK_CPUS:-$EXECUTOR_CORES}"             # cores per task: one fat task per executor is fastest
KERNEL_THREADS="${KERNEL_THREADS:-$TASK_CPUS}"        # kernel threads per task (sparknas.spark.kernel-threads)
PARTITIONS="${PARTITIONS:-0}"   # data partitions (sparknas.spark.partitions); 0 = auto: up to one per core, >= spark.min-examples-per-partition examples each
MAX_RESULT_SIZE="${MAX_RESULT_SIZE:-2g}"              # spark.driver.maxResultSize: partitions x gradient bytes
KRYO_BUFFER_MAX="${KRYO_BUFFER_MAX:-512m}"            # spark.kryoserializer.buffer.max: one gradient vector
APP_JAR="${APP_JAR:-$(cd "$(dirname "$0")/../.." && pwd)/spark-job/target/spark-job-0.1.0-SNAPSHOT-app.jar}"
SPARK_SUBMIT="${SPARK_HOME:?set SPARK_HOME to a Spark 3.5.x (Scala 2.12) installation}/bin/spark-submit"
DRIVER_JAVA_OPTS="${DRIVER_JAVA_OPTS:-}"                 # extra driver JVM options (Java 17 flags are added)

source "$(dirname "$0")/common.sh"
exec "$SPARK_SUBMIT" --master "$MASTER" --deploy-mode "$DEPLOY_MODE" --name "sparknas search" \
  --total-executor-cores $((EXECUTORS * EXECUTOR_CORES)) --executor-cores "$EXECUTOR_CORES" \
  --executor-memory "$EXECUTOR_MEMORY" --driver-memory "$DRIVER_MEMORY" \
  "${JOB_CONF[@]}" \
  --conf spark.worker.cleanup.enabled=true \
  --class ai.sparknas.spark.SparkMain "$APP_JAR" \
  ${JOB_ARGS[@]+"${JOB_ARGS[@]}"}
