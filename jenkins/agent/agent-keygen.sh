#!/bin/sh
# Generates, once, the SSH key pairs that connect the Jenkins controller to its agent:
#   controller_ed25519(.pub)  the controller's login key (private half readable by the controller's uid only)
#   host_ed25519(.pub)        the agent's host key; host_ed25519.key is "<type> <base64>" for JCasC
# Nothing is pasted or committed: the pairs are created at deploy time in the agent-keys volume and kept
# across restarts. Run by the agent-keys service in jenkins/compose.yaml; KEYS_DIR overrides the folder.
set -eu
dir="${KEYS_DIR:-/keys}"
controller_uid="${CONTROLLER_UID:-1000}"
mkdir -p "$dir"
if [ ! -s "$dir/controller_ed25519" ]; then
  rm -f "$dir/controller_ed25519" "$dir/controller_ed25519.pub"
  ssh-keygen -q -t ed25519 -N '' -C jenkins-controller -f "$dir/controller_ed25519"
fi
if [ ! -s "$dir/host_ed25519" ]; then
  rm -f "$dir/host_ed25519" "$dir/host_ed25519.pub"
  ssh-keygen -q -t ed25519 -N '' -C docker-agent -f "$dir/host_ed25519"
fi
rm -f "$dir/host_ed25519.key"
cut -d' ' -f1,2 "$dir/host_ed25519.pub" > "$dir/host_ed25519.key"
chmod 0400 "$dir/controller_ed25519" "$dir/host_ed25519"
chmod 0444 "$dir/controller_ed25519.pub" "$dir/host_ed25519.pub" "$dir/host_ed25519.key"
if [ "$(id -u)" = 0 ]; then chown "$controller_uid" "$dir/controller_ed25519"; fi
echo "agent-keygen: keys ready in $dir"
