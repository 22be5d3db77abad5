#!/usr/bin/env bash
# The coordinator's barrier over real cluster links: AGENTS agents (default 1000) in one JVM join a coordinator over
# loopback with TLS 1.3, then the coordinator asks all of them and waits for every reply, ROUNDS times (default 50).
# Prints the join time and the round trip's median, 90th percentile and worst.
# Usage: bench/cluster.sh [AGENTS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B install -DskipTests -DskipITs -pl bundles/quiesce-api,bundles/cluster >/dev/null || { echo "build failed" >&2; exit 1; }
cp=$(mktemp)
mvn -q -B -pl bundles/cluster dependency:build-classpath -Dmdep.outputFile="$cp" -Dmdep.includeScope=test >/dev/null
ulimit -n 65536 2>/dev/null || true
java -Xss512k -cp "bundles/cluster/target/test-classes:bundles/cluster/target/classes:$(cat "$cp")" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.org.apache.mina.filter.ssl=off \
  io.quiesce.cluster.BarrierBench "${1:-1000}" "${2:-50}"
rm -f "$cp"
