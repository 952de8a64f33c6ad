#!/usr/bin/env bash
# spark-build.sh: sourced by spark-submit-standalone.sh and cluster.sh. Builds (unless SKIP_BUILD=1 and present)
#   APP         the application jar (profile spark-app: the dl4jc CLI shaded with dl4j-compress-*, DL4J and
#               nd4j-native, without Spark/Scala/Hadoop/SLF4J);
#   SPARK_HOME  a minimal Spark home (jars/ = spark-core_2.12 + spark-mllib_2.12 runtime jars, Scala pinned to the
#               project's version; empty conf/);
# and defines OPENS (Java 17 --add-opens for Spark) and AERON (DL4J's Aeron timeout). Needs: here (project root),
# WORK (absolute). Maven arguments come from MVN_ARGS (e.g. -Dmaven.repo.local=...).
APP="$here/dl4j-compress-cli/target/dl4j-compress-cli-0.1.0-SNAPSHOT-spark-app.jar"
export SPARK_HOME="$WORK/spark-home"
export SPARK_SCALA_VERSION=2.12   # Spark's launcher needs it (or a source build) to find $SPARK_HOME/jars
spark_version="$(sed -n 's:.*<spark.version>\(.*\)</spark.version>.*:\1:p' "$here/pom.xml")"
scala_version="$(sed -n 's:.*<scala.version>\(.*\)</scala.version>.*:\1:p' "$here/pom.xml")"

if [ "${SKIP_BUILD:-}" != 1 ] || [ ! -f "$APP" ]; then
  echo "== building $APP (mvn -Pspark-app)" >&2
  (cd "$here" && mvn -B -q ${MVN_ARGS:-} -DskipTests -Pspark-app -pl dl4j-compress-cli -am package >&2)
fi
ls -l "$APP" >&2

if [ "${SKIP_BUILD:-}" != 1 ] || [ ! -d "$SPARK_HOME/jars" ]; then
  echo "== assembling SPARK_HOME=$SPARK_HOME (Spark $spark_version, Scala $scala_version)" >&2
  rm -rf "$SPARK_HOME" && mkdir -p "$SPARK_HOME/jars" "$SPARK_HOME/conf"
  cat > "$WORK/spark-dist.pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId><artifactId>spark-dist</artifactId><version>1</version><packaging>pom</packaging>
  <dependencyManagement><dependencies>
    <!-- Spark $spark_version asks for Scala 2.12.10; 2.12.14 failed on Java 17 (LambdaDeserializer) -->
    <dependency><groupId>org.scala-lang</groupId><artifactId>scala-library</artifactId><version>$scala_version</version></dependency>
    <dependency><groupId>org.scala-lang</groupId><artifactId>scala-reflect</artifactId><version>$scala_version</version></dependency>
    <dependency><groupId>org.scala-lang</groupId><artifactId>scala-compiler</artifactId><version>$scala_version</version></dependency>
  </dependencies></dependencyManagement>
  <dependencies>
    <dependency><groupId>org.apache.spark</groupId><artifactId>spark-core_2.12</artifactId><version>$spark_version</version></dependency>
    <dependency><groupId>org.apache.spark</groupId><artifactId>spark-mllib_2.12</artifactId><version>$spark_version</version></dependency>
  </dependencies>
</project>
POM
  mvn -B -q ${MVN_ARGS:-} -f "$WORK/spark-dist.pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$SPARK_HOME/jars" >&2
fi
echo "$(ls "$SPARK_HOME/jars" | wc -l) jars in $SPARK_HOME/jars" >&2

OPENS=""
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
         java.util.concurrent.atomic sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  OPENS="$OPENS --add-opens=java.base/$p=ALL-UNNAMED"
done
OPENS="${OPENS# }"
AERON="-Daeron.publication.unblock.timeout=60000000000 -Daeron.dir.delete.on.shutdown=true"   # above DL4J's 30 s Aeron liveness timeout; the embedded driver deletes its /dev/shm directory on exit
