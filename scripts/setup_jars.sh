#!/usr/bin/env bash
# Resolve the pinned JVM dependencies (conf/jvm/pom.xml) from Maven Central, once, into
# .local/jars/{spark,broker}, and compile the project's own JVM helpers (jvm/src, against the
# pinned pyspark's jars) into .local/jars/spark. Idempotent: stamps of the POM and the sources.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-$ROOT/.venv/bin/python}
POM=conf/jvm/pom.xml
STAMP_VALUE=$(sha256sum "$POM" | cut -c1-16)

resolve() {  # $1 = profile (spark|broker)
  local profile=$1 out=.local/jars/$1
  if [[ -f $out/.stamp && $(cat "$out/.stamp") == "$STAMP_VALUE" ]]; then
    echo "[setup] jars/$profile up to date ($(ls "$out"/*.jar | wc -l) jars)"
    return
  fi
  echo "[setup] resolving $profile jars from Maven Central into $out"
  local tmp
  tmp=$(mktemp -d)
  mvn -q -B -Dstyle.color=never -f "$POM" -P"$profile" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp"
  if [[ $profile == spark ]]; then
    # Drop what the pinned pyspark already ships (same artifact, any version): two copies of
    # scala-library, jackson or hadoop on one classpath fail in ways that are hard to read.
    "$PY" - "$tmp" <<'PYEOF'
import pathlib, re, sys
import pyspark
shipped = {re.sub(r"-\d[^-]*(-.*)?\.jar$", "", p.name) for p in (pathlib.Path(pyspark.__file__).parent / "jars").glob("*.jar")}
for jar in pathlib.Path(sys.argv[1]).glob("*.jar"):
    if re.sub(r"-\d[^-]*(-.*)?\.jar$", "", jar.name) in shipped:
        jar.unlink()
PYEOF
  fi
  rm -rf "$out" && mkdir -p "$(dirname "$out")" && mv "$tmp" "$out"
  echo "$STAMP_VALUE" > "$out/.stamp"
  echo "[setup] jars/$profile: $(ls "$out"/*.jar | wc -l) jars"
}

resolve spark
resolve broker

helpers() {  # jvm/src -> .local/jars/spark/beejan-spark-helpers.jar (javac from the JDK 17)
  local out=.local/jars/spark/beejan-spark-helpers.jar stamp=.local/jars/spark/.helpers.stamp
  local pyspark_jars value
  pyspark_jars=$("$PY" -c 'import pathlib, pyspark; print(pathlib.Path(pyspark.__file__).parent / "jars")')
  value=$(cat $(find jvm/src -name '*.java' | sort) <(basename "$pyspark_jars"/spark-sql_*.jar) | sha256sum | cut -c1-16)
  if [[ -f $out && -f $stamp && $(cat "$stamp") == "$value" ]]; then
    echo "[setup] $out up to date"
    return
  fi
  command -v javac >/dev/null || { echo "[setup] javac (JDK 17) is required to build jvm/src" >&2; exit 1; }
  local tmp
  tmp=$(mktemp -d)
  javac --release 17 -nowarn -d "$tmp" -cp "$pyspark_jars/*" $(find jvm/src -name '*.java')
  jar cf "$out.tmp" -C "$tmp" . && mv "$out.tmp" "$out" && rm -rf "$tmp"
  echo "$value" > "$stamp"
  echo "[setup] built $out"
}

helpers
