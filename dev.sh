#!/usr/bin/env bash
# Dev mode: builds the service, then runs it on port 8001 in local mode with an embedded Kafka broker on
# localhost:9092 and a demo feed on the three built-in topics. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")"
. bin/use-jdk.sh
mvn -B -q -ntp -DskipTests package
exec java -jar dev/target/streaming-dev-1.0.0.jar
