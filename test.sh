#!/usr/bin/env bash
# Runs the whole test suite: unit tests and integration tests against a real Kafka broker that the
# tests start themselves (in-process KRaft). Needs only a JDK >= 21 and Maven.
set -euo pipefail
cd "$(dirname "$0")"
. bin/use-jdk.sh
exec mvn -B -ntp verify "$@"
