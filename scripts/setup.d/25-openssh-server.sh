#!/usr/bin/env bash
# System lane: Debian's OpenSSH server and client. The container lane runs the remote scripts the
# Pulumi components generate over a real SSH session (test/system-helpers/sshd.ts starts a private sshd on a
# free loopback port); ssh-keygen also serves the Jenkins agent key test. sudo: the deploy replay's loopback VPS
# applies the cloud-init document's sudo rule for the deploy user, as a new VM has it (the operator runs
# `sudo /opt/shagram/bin/backup` there).
# Idempotent. The packaged service is never started by the install (apt_install_missing), and nothing of
# the packaged configuration is used: the tests write their own sshd_config.
set -euo pipefail
# shellcheck source=lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_install_missing openssh-server openssh-client sudo || { echo "25-openssh-server: apt-get install openssh-server openssh-client sudo failed" >&2; exit 1; }
# sshd refuses to start without its privilege-separation folder (the packaged service would create it).
mkdir -p /run/sshd && chmod 0755 /run/sshd
[ -x /usr/sbin/sshd ] && command -v ssh >/dev/null && command -v scp >/dev/null && command -v ssh-keygen >/dev/null && [ -x /usr/bin/sudo ] \
  || { echo "25-openssh-server: sshd, ssh, scp, ssh-keygen or sudo missing after install" >&2; exit 1; }
echo "25-openssh-server: $(ssh -V 2>&1)"
