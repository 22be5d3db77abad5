#!/usr/bin/env bash
# Fuzzes every reader of untrusted input with Jazzer for RUNS inputs each (default 1000000): the manifest, the
# userspace backend's process and index files, the tcp fabric's image, the control port's requests and command lines.
# Prints, per target, the inputs run, the time and the findings (crash files are kept under fuzz/target/fuzz/).
# Usage: bench/fuzz.sh [RUNS] [TARGET...]   targets: manifest processImage tcpImage controlRequest commandLine (default: all)
# FUZZ_SECONDS=N caps each target's time (it then reports the inputs it ran, and fails if fewer than RUNS).
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000000}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(commandLine controlRequest tcpImage manifest processImage)
mvn -q -B package -DskipTests >/dev/null || { echo "build failed" >&2; exit 1; }
status=0
for t in "${targets[@]}"; do
  log=$(mktemp)
  mvn -B test -pl fuzz -am -Dtest="FuzzTargetsTest#$t" -Dsurefire.failIfNoSpecifiedTests=false -Dfuzz.runs="$runs" -Dfuzz.seconds="${FUZZ_SECONDS:-0}" >"$log" 2>&1 || status=1
  line=$(grep -h '^\[fuzz\]' fuzz/target/surefire-reports/*-output.txt "$log" 2>/dev/null | tail -1)
  echo "${line:-[fuzz] $t: no result, see $log}"
done
exit $status
