# Shared by standalone.sh, yarn.sh and kubernetes.sh (sourced, not run). Expects APP_JAR, SPARK_HOME,
# DEPLOY_MODE, PARTITIONS, KERNEL_THREADS and the job's arguments in "$@"; sets JOB_ARGS, SHIP_FILES
# and DRIVER_JAVA_OPTS.
if [[ ! -f "${APP_JAR_LOCAL:-$APP_JAR}" ]]; then
  echo "$(basename "$0"): the application jar ${APP_JAR_LOCAL:-$APP_JAR} is missing; build it: mvn -q -B -DskipTests package" >&2
  exit 2
fi
# Java 17: a driver that spark-submit launches on the cluster needs Spark's --add-opens list (its own
# JavaModuleOptions), and the kernels' Vector API module; appended to any site-wide driver options
# given in DRIVER_JAVA_OPTS. (Executors get the module from the job's SparkConf.)
DRIVER_JAVA_OPTS="${DRIVER_JAVA_OPTS:-} $("${JAVA_HOME:+$JAVA_HOME/bin/}java" -cp "${APP_JAR_LOCAL:-$APP_JAR}:$SPARK_HOME/jars/*" ai.sparknas.spark.JavaModuleFlags)"

# The settings every cluster shares (their knobs are at the top of each script).
JOB_CONF=(--conf "spark.task.cpus=$TASK_CPUS"
  --conf "spark.executorEnv.OMP_NUM_THREADS=$KERNEL_THREADS"
  --conf "spark.driver.maxResultSize=$MAX_RESULT_SIZE"
  --conf "spark.kryoserializer.buffer.max=$KRYO_BUFFER_MAX")

# The job's arguments: the script's partitions and kernel threads go first, so that the user's own
# key=value overrides (later) win; in cluster deploy mode a local -c FILE is shipped with --files and
# named by its file name, where the remote driver finds it.
JOB_ARGS=()
SHIP_FILES=()
if [[ $# -gt 0 ]]; then
  JOB_ARGS+=("$1")
  if [[ "$1" == search || "$1" == bench ]]; then
    JOB_ARGS+=("spark.partitions=$PARTITIONS" "spark.kernel-threads=$KERNEL_THREADS")
  fi
  shift
fi
while [[ $# -gt 0 ]]; do
  if [[ ("$1" == -c || "$1" == --config) && $# -gt 1 && "$DEPLOY_MODE" == cluster && -f "$2" ]]; then
    SHIP_FILES+=(--files "$2")
    JOB_ARGS+=("$1" "$(basename "$2")")
    shift 2
  else
    JOB_ARGS+=("$1")
    shift
  fi
done
JOB_CONF+=(--conf "spark.driver.extraJavaOptions=$DRIVER_JAVA_OPTS" ${SHIP_FILES[@]+"${SHIP_FILES[@]}"})
