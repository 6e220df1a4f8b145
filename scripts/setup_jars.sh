#!/usr/bin/env bash
# Resolve the pinned JVM dependencies (conf/jvm/pom.xml) from Maven Central, once, into
# .local/jars/{spark,broker}. Idempotent: a folder whose stamp matches the POM is kept.
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
