#!/usr/bin/env bash
# Runs the whole test suite: the JavaScript client's unit tests (Node's test runner), then the Java unit
# tests and integration tests against a real Kafka broker that the tests start themselves (in-process
# KRaft). Needs a JDK >= 21, Maven and Node.js, and installs what else the tests use when missing and
# root: for the README's "Try it" lines (ReadmeTryItIT) curl, kcat and Debian's python3-websockets; for
# the console's browser tests Debian's chromium (Playwright, from Maven, drives it).
set -euo pipefail
cd "$(dirname "$0")"
. bin/use-jdk.sh
. bin/try-it-tools.sh
. bin/browser.sh
(cd clients/js && node --test test/)
exec mvn -B -ntp verify "$@"
