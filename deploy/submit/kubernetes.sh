#!/usr/bin/env bash
# Submits the search to Kubernetes (cluster deploy mode). Every knob is a variable here; override any of
# them from the environment. The image must hold Spark 3.5.x (Scala 2.12, Java 17) and the application
# jar at APP_JAR_IN_IMAGE; data and run.output should be on HDFS/S3.
# Arguments after the script name go to the job: search|bench -c CONFIG [key=value ...].
# In cluster deploy mode spark-submit reports the application's final state, not the driver's exit code:
# a scheduler that relies on exit code 75 (time budget reached, checkpoint written) must submit in client
# mode, or read the run's metrics/checkpoints to decide.
set -euo pipefail
MASTER="${MASTER:-k8s://https://kubernetes.default.svc:443}"   # API server
NAMESPACE="${NAMESPACE:-sparknas}"                    # namespace of driver and executor pods
IMAGE="${IMAGE:-registry.example.com/sparknas:0.1.0}" # container image
SERVICE_ACCOUNT="${SERVICE_ACCOUNT:-spark}"           # may create executor pods
EXECUTORS="${EXECUTORS:-4}"                           # executor pods
EXECUTOR_CORES="${EXECUTOR_CORES:-4}"                 # cores per executor pod
EXECUTOR_MEMORY="${EXECUTOR_MEMORY:-8g}"              # heap per executor
EXECUTOR_OVERHEAD="${EXECUTOR_OVERHEAD:-4g}"          # off-heap: ND4J/JavaCPP buffers live outside the heap
DRIVER_MEMORY="${DRIVER_MEMORY:-4g}"                  # driver heap
TASK_CPUS="${TASK_CPUS:-$EXECUTOR_CORES}"             # cores per task
KERNEL_THREADS="${KERNEL_THREADS:-$TASK_CPUS}"        # kernel threads per task (sparknas.spark.kernel-threads)
PARTITIONS="${PARTITIONS:-0}"   # data partitions (sparknas.spark.partitions); 0 = auto: up to one per core, >= spark.min-examples-per-partition examples each
MAX_RESULT_SIZE="${MAX_RESULT_SIZE:-2g}"              # spark.driver.maxResultSize
KRYO_BUFFER_MAX="${KRYO_BUFFER_MAX:-512m}"            # spark.kryoserializer.buffer.max
UPLOAD_PATH="${UPLOAD_PATH:-}"                        # where spark-submit uploads -c CONFIG (e.g. s3a://bucket/spark-uploads)
APP_JAR_IN_IMAGE="${APP_JAR_IN_IMAGE:-local:///opt/sparknas/spark-job-0.1.0-SNAPSHOT-app.jar}"
SPARK_SUBMIT="${SPARK_HOME:?set SPARK_HOME to a Spark 3.5.x (Scala 2.12) installation}/bin/spark-submit"
DRIVER_JAVA_OPTS="${DRIVER_JAVA_OPTS:-}"                 # extra driver JVM options (Java 17 flags are added)
APP_JAR_LOCAL="${APP_JAR_LOCAL:-$(cd "$(dirname "$0")/../.." && pwd)/spark-job/target/spark-job-0.1.0-SNAPSHOT-app.jar}"

source "$(dirname "$0")/common.sh"
exec "$SPARK_SUBMIT" --master "$MASTER" --deploy-mode cluster --name sparknas-search \
  --conf spark.kubernetes.namespace="$NAMESPACE" \
  --conf spark.kubernetes.container.image="$IMAGE" \
  --conf spark.kubernetes.authenticate.driver.serviceAccountName="$SERVICE_ACCOUNT" \
  ${UPLOAD_PATH:+--conf spark.kubernetes.file.upload.path="$UPLOAD_PATH"} \
  --conf spark.executor.instances="$EXECUTORS" --conf spark.executor.cores="$EXECUTOR_CORES" \
  --executor-memory "$EXECUTOR_MEMORY" --driver-memory "$DRIVER_MEMORY" \
  --conf spark.executor.memoryOverhead="$EXECUTOR_OVERHEAD" \
  "${JOB_CONF[@]}" \
  --class ai.sparknas.spark.SparkMain "$APP_JAR_IN_IMAGE" \
  ${JOB_ARGS[@]+"${JOB_ARGS[@]}"}
