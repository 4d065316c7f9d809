# Sourced by scripts/setup.d/*.sh. Shared apt-get helpers for the system lane's setup steps.

# apt_install_missing PKG...: installs with apt-get those of the packages that are not installed yet (nothing
# when all are), without letting their maintainer scripts start services (a temporary policy-rc.d answering
# 101, "do not start"): the tests start their own servers on free loopback ports.
apt_install_missing() {
  local need=() pkg added_policy=0
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
  done
  [ "${#need[@]}" -gt 0 ] || return 0
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    added_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${need[@]}" || {
    [ "$added_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
    return 1
  }
  if [ "$added_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
}
