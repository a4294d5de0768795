#!/usr/bin/env bash
# Runs the whole test suite: unit tests and integration tests against a real Kafka broker that the
# tests start themselves (in-process KRaft). Needs a JDK >= 21 and Maven, and for the README's "Try it"
# lines (ReadmeTryItIT) curl, kcat and Debian's python3-websockets, installed here when missing and root.
set -euo pipefail
cd "$(dirname "$0")"
. bin/use-jdk.sh
. bin/try-it-tools.sh
. bin/browser.sh
exec mvn -B -ntp verify "$@"
