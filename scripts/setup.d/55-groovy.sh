#!/usr/bin/env bash
# System lane: Debian's Groovy 2.4 — the Groovy line Jenkins embeds — to compile the Jenkinsfile and the
# Job DSL script and to evaluate the pipeline's deploy gate (jenkins/test/groovy.system.test.ts). It runs on the
# machine's Java (JAVA_HOME is derived from `java` on PATH when unset or wrong).
# Idempotent.
set -euo pipefail
# shellcheck source=lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_install_missing groovy || { echo "55-groovy: apt-get install groovy failed" >&2; exit 1; }
java_bin="$(readlink -f "$(command -v java)")" || { echo "55-groovy: no java on PATH" >&2; exit 1; }
JAVA_HOME="$(dirname "$(dirname "$java_bin")")" groovy --version >/dev/null \
  || { echo "55-groovy: groovy does not run on $java_bin" >&2; exit 1; }
echo "55-groovy: $(JAVA_HOME="$(dirname "$(dirname "$java_bin")")" groovy --version 2>&1 | tail -n 1)"
