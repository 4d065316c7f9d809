#!/bin/sh
# Copies the certificate certbot keeps in $RENEWED_LINEAGE into $TLS_OUT_DIR (fullchain.pem, privkey.pem)
# when it differs from what is there. Each file is written beside its target and renamed, so nginx never
# reads half a file. The nginx edge's watcher reloads nginx when the files change.
set -eu
src="${RENEWED_LINEAGE:?RENEWED_LINEAGE is not set}"
out="${TLS_OUT_DIR:?TLS_OUT_DIR is not set}"
for f in fullchain.pem privkey.pem; do
  [ -s "$src/$f" ] || { echo "deploy-hook: $src/$f is missing" >&2; exit 1; }
done
if cmp -s "$src/fullchain.pem" "$out/fullchain.pem" && cmp -s "$src/privkey.pem" "$out/privkey.pem"; then
  exit 0
fi
mkdir -p "$out"
umask 077
cp -L "$src/privkey.pem" "$out/.privkey.pem.new" && mv "$out/.privkey.pem.new" "$out/privkey.pem"
cp -L "$src/fullchain.pem" "$out/.fullchain.pem.new" && chmod 644 "$out/.fullchain.pem.new" \
  && mv "$out/.fullchain.pem.new" "$out/fullchain.pem"
echo "deploy-hook: installed the certificate from $src into $out"
