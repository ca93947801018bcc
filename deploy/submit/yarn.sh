#!/usr/bin/env bash
# Submits the search to YARN. Every knob is a variable here; override any of them from the environment.
# Data and run.output should be on HDFS/S3 (e.g. data.dir=hdfs:///datasets/fashion-mnist).
# Arguments after the script name go to the job: search|bench -c CONFIG [key=value ...].
# In cluster deploy mode spark-submit reports the application's final state, not the driver's exit code:
# a scheduler that relies on exit code 75 (time budget reached, checkpoint written) must submit in client
# mode, or read the run's metrics/checkpoints to decide.
set -euo pipefail
DEPLOY_MODE="${DEPLOY_MODE:-cluster}"                 # cluster: driver in the YARN application master
QUEUE="${QUEUE:-default}"                             # YARN queue
EXECUTORS="${EXECUTORS:-4}"                           # executors
EXECUTOR_CORES="${EXECUTOR_CORES:-4}"                 # cores per executor
EXECUTOR_MEMORY="${EXECUTOR_MEMORY:-8g}"              # heap per executor
EXECUTOR_OVERHEAD="${EXECUTOR_OVERHEAD:-4g}"          # off-heap: ND4J/JavaCPP buffers live outside the heap
DRIVER_MEMORY="${DRIVER_MEMORY:-4g}"                  # driver heap: α, ω and optimizer state
TASK_CPUS="${TASK_CPUS:-$EXECUTOR_CORES}"             # cores per task: one fat task per executor is fastest
KERNEL_THREADS="${KERNEL_THREADS:-$TASK_CPUS}"        # kernel threads per task (sparknas.spark.kernel-threads)
PARTITIONS="${PARTITIONS:-0}"   # data partitions (sparknas.spark.partitions); 0 = auto: up to one per core, >= spark.min-examples-per-partition examples each
MAX_RESULT_SIZE="${MAX_RESULT_SIZE:-2g}"              # spark.driver.maxResultSize
KRYO_BUFFER_MAX="${KRYO_BUFFER_MAX:-512m}"            # spark.kryoserializer.buffer.max
APP_JAR="${APP_JAR:-$(cd "$(dirname "$0")/../.." && pwd)/spark-job/target/spark-job-0.1.0-SNAPSHOT-app.jar}"
SPARK_SUBMIT="${SPARK_HOME:?set SPARK_HOME to a Spark 3.5.x (Scala 2.12) installation}/bin/spark-submit"
DRIVER_JAVA_OPTS="${DRIVER_JAVA_OPTS:-}"                 # extra driver JVM options (Java 17 flags are added)

source "$(dirname "$0")/common.sh"
exec "$SPARK_SUBMIT" --master yarn --deploy-mode "$DEPLOY_MODE" --queue "$QUEUE" --name "sparknas search" \
  --num-executors "$EXECUTORS" --executor-cores "$EXECUTOR_CORES" --executor-memory "$EXECUTOR_MEMORY" \
  --driver-memory "$DRIVER_MEMORY" \
  --conf spark.executor.memoryOverhead="$EXECUTOR_OVERHEAD" \
  "${JOB_CONF[@]}" \
  --conf spark.yarn.maxAppAttempts=1 \
  --class ai.sparknas.spark.SparkMain "$APP_JAR" \
  ${JOB_ARGS[@]+"${JOB_ARGS[@]}"}
