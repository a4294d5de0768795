#!/usr/bin/env bash
# JMH microbenchmarks of the gateway's hot path: the fan-out (index, matching, shared frames), filter
# matching, and building data frames. Prints JMH's table; arguments go to JMH (e.g. `FanOut`, `-f 1 -wi 2`).
# Netty's leak detector is off in the forks, as in production (Main), so its sampling is not measured.
#
#   bench/jmh.sh                 # every benchmark (about 4 minutes)
#   bench/jmh.sh FanOutBenchmark # one class
set -euo pipefail
cd "$(dirname "$0")/.."
. bin/use-jdk.sh
mvn -B -q -ntp -DskipTests package -pl bench -am
exec java --sun-misc-unsafe-memory-access=allow -cp "bench/target/streaming-bench-1.0.0.jar:bench/target/lib/*" \
  org.openjdk.jmh.Main -jvmArgsAppend "--enable-native-access=ALL-UNNAMED -Dio.netty.leakDetection.level=disabled" "$@"
