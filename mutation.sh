#!/usr/bin/env bash
# Mutation testing with PIT over hub/, session/, entitlements/ and auth/, driven by the unit tests
# (a few minutes; not part of CI). Prints the score of each package; the HTML report with every
# surviving mutant is service/target/pit-reports/index.html.
set -euo pipefail
cd "$(dirname "$0")"
. bin/use-jdk.sh
mvn -B -ntp -P mutation -pl service -am -DskipITs verify "$@"
csv=service/target/pit-reports/mutations.csv
[ -f "$csv" ] || { echo "no PIT report at $csv" >&2; exit 1; }
# columns: file, class, mutator, method, line, status, killing test
printf "%-32s %8s %8s %7s\n" package mutants killed score
awk -F, '{ pkg = $2; sub(/\.[^.]*$/, "", pkg); total[pkg]++; if ($6 == "KILLED" || $6 == "TIMED_OUT" || $6 == "MEMORY_ERROR") killed[pkg]++ }
  END { for (p in total) printf "%-32s %8d %8d %6.1f%%\n", p, total[p], killed[p], 100 * killed[p] / total[p] }' "$csv" | sort
