#!/usr/bin/env bash
# System lane: Debian bookworm root filesystems for the stand-in base images (no registry can be
# reached here, so node:20-bookworm-slim and nginx cannot be pulled). Built once with debootstrap and cached
# as tarballs under $SHAGRAM_STANDIN_CACHE (default /var/cache/shagram-standins); the test helpers in
# test/system-helpers/ turn them into podman images (podman import + a small build) on first use.
#   bookworm-minbase.tar : debootstrap --variant=minbase bookworm (+ ca-certificates)          -> Node stand-in
#   bookworm-nginx.tar   : the same plus Debian's nginx and gettext-base (envsubst) -> nginx stand-in
set -euo pipefail
cache="${SHAGRAM_STANDIN_CACHE:-/var/cache/shagram-standins}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
mkdir -p "$cache/debs"
build() { # build <name> <extra packages (comma separated)>
  local name="$1" include="$2" out="$cache/$1.tar"
  [ -s "$out" ] && return 0
  local root; root="$(mktemp -d "$cache/$name.rootfs.XXXX")"
  echo "40-standin-rootfs: debootstrap $name (include: $include)"
  debootstrap --variant=minbase --cache-dir="$cache/debs" --include="$include" bookworm "$root" "$mirror" >/dev/null \
    || { echo "40-standin-rootfs: debootstrap of $name failed (is $mirror reachable?)" >&2; rm -rf "$root"; exit 1; }
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/*.log
  tar -C "$root" --numeric-owner -cf "$out.tmp" . && mv "$out.tmp" "$out"
  rm -rf "$root"
}
build bookworm-minbase ca-certificates
build bookworm-nginx ca-certificates,nginx,gettext-base,procps,curl
ls -l "$cache"/*.tar
