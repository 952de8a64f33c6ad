#!/usr/bin/env bash
# spark-submit-standalone.sh: the README's spark-submit recipe, run end to end on this one machine.
#   1. builds the application jar (profile spark-app: the dl4jc CLI shaded with dl4j-compress-*, DL4J and nd4j-native,
#      without Spark/Scala/Hadoop/SLF4J);
#   2. assembles a minimal SPARK_HOME (jars/ = spark-core_2.12 + spark-mllib_2.12 runtime jars, Scala pinned to the
#      project's version; empty conf/);
#   3. starts a Spark standalone master and one worker on 127.0.0.1;
#   4. submits each job with org.apache.spark.deploy.SparkSubmit (the class behind bin/spark-submit) in client mode;
#   5. stops the cluster (also on error or Ctrl-C).
# Usage: dl4j-compress-cli/spark-submit-standalone.sh [job ...]   where a job is one quoted dl4jc command line, e.g.
#   dl4j-compress-cli/spark-submit-standalone.sh "spark-ssl --modes averaging --epochs 1 --train-size 1000"
# Default: one parameter-averaging run (spark-ssl averaging) and one shared-training run (spark-terngrad threshold).
# Environment: WORK (default dl4j-compress-cli/target/spark-standalone: Spark home, logs, results), PORT (master, 7077),
# SKIP_BUILD=1 (reuse the jar and Spark home).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
WORK="$(mkdir -p "${WORK:-dl4j-compress-cli/target/spark-standalone}" && cd "${WORK:-dl4j-compress-cli/target/spark-standalone}" && pwd)"
PORT="${PORT:-7077}"
MASTER="spark://127.0.0.1:$PORT"
export SPARK_LOCAL_IP=127.0.0.1

if [ $# -eq 0 ]; then
  set -- "spark-ssl --modes averaging --epochs 1 --train-size 1000 --test-size 1000" \
         "spark-terngrad --modes threshold --epochs 1 --train-size 1000 --test-size 1000"
fi

# --- 1.+2. application jar, minimal Spark home, JVM flags ----------------------------------------------------------
. "$here/dl4j-compress-cli/spark-build.sh"

# --- 3. standalone master + worker on loopback ----------------------------------------------------------------------
mkdir -p "$WORK/logs" "$WORK/work"
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT
java -Xmx512m $OPENS -cp "$SPARK_HOME/conf:$SPARK_HOME/jars/*" org.apache.spark.deploy.master.Master \
  --host 127.0.0.1 --port "$PORT" --webui-port 0 > "$WORK/logs/master.log" 2>&1 &
pids+=($!)
for _ in $(seq 120); do grep -q "I have been elected leader" "$WORK/logs/master.log" && break; sleep 1; done
grep -q "I have been elected leader" "$WORK/logs/master.log" || { echo "master did not start, see $WORK/logs/master.log" >&2; exit 1; }
java -Xmx512m $OPENS -cp "$SPARK_HOME/conf:$SPARK_HOME/jars/*" org.apache.spark.deploy.worker.Worker "$MASTER" \
  --host 127.0.0.1 --cores 2 --memory 3g --webui-port 0 --work-dir "$WORK/work" > "$WORK/logs/worker.log" 2>&1 &
pids+=($!)
for _ in $(seq 120); do grep -q "Successfully registered with master" "$WORK/logs/worker.log" && break; sleep 1; done
grep -q "Successfully registered with master" "$WORK/logs/worker.log" || { echo "worker did not register, see $WORK/logs/worker.log" >&2; exit 1; }
echo "== standalone cluster up: $MASTER, one worker (2 cores, 3 GB)" >&2

# --- 4. submit ------------------------------------------------------------------------------------------------------
# Client deploy mode: the driver runs in this SparkSubmit JVM, so its JVM flags go on the java command line
# (bin/spark-submit would take them from --driver-java-options / --driver-memory).
n=0
for job in "$@"; do
  n=$((n + 1))
  log="$WORK/logs/job-$n.log"
  echo "== job $n: $job  (log: $log)" >&2
  start=$(date +%s)
  set +e
  # shellcheck disable=SC2086
  OMP_NUM_THREADS=1 java -Xmx3g $OPENS $AERON --add-modules jdk.incubator.vector \
    -cp "$SPARK_HOME/conf:$SPARK_HOME/jars/*" org.apache.spark.deploy.SparkSubmit \
    --master "$MASTER" --deploy-mode client \
    --class io.github.dl4jcompress.cli.Dl4jc \
    --conf spark.executor.cores=1 --total-executor-cores 2 --executor-memory 1536m \
    --conf spark.default.parallelism=2 \
    --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 --conf spark.ui.enabled=false \
    --conf "spark.executor.extraJavaOptions=$OPENS $AERON --add-modules jdk.incubator.vector" \
    --conf spark.executorEnv.OMP_NUM_THREADS=1 --conf spark.executorEnv.SPARK_LOCAL_IP=127.0.0.1 \
    "$APP" $job --out "$WORK/results" > "$log" 2>&1
  rc=$?
  set -e
  grep -E "epoch [0-9]+ done|accuracy=|^wrote|Exception" "$log" | cut -c1-400 >&2 || true
  echo "== job $n: exit $rc, $(( $(date +%s) - start )) s wall" >&2
  [ "$rc" -eq 0 ] || exit "$rc"
done
echo "== results: $WORK/results/spark.json" >&2
