#!/bin/sh
# Agent start: trust the controller's generated key, install the generated host key, let the jenkins user
# use the host's Docker socket (the only container in this stack that has it), then run sshd.
set -eu
keys="${KEYS_DIR:-/run/agent-keys}"
for file in controller_ed25519.pub host_ed25519 host_ed25519.pub; do
  [ -s "$keys/$file" ] || { echo "agent-entrypoint: $keys/$file is missing (did the agent-keys service run?)" >&2; exit 1; }
done
install -d -m 0700 -o jenkins -g jenkins /home/jenkins/.ssh
install -m 0600 -o jenkins -g jenkins "$keys/controller_ed25519.pub" /home/jenkins/.ssh/authorized_keys
install -m 0600 "$keys/host_ed25519" /etc/ssh/ssh_host_ed25519_key
install -m 0644 "$keys/host_ed25519.pub" /etc/ssh/ssh_host_ed25519_key.pub
if [ -S /var/run/docker.sock ]; then
  gid="$(stat -c %g /var/run/docker.sock)"
  group="$(getent group "$gid" | cut -d: -f1 || true)"
  if [ -z "$group" ]; then group=docker-host; groupadd -g "$gid" "$group"; fi
  usermod -aG "$group" jenkins
fi
mkdir -p /run/sshd
exec /usr/sbin/sshd -D -e
