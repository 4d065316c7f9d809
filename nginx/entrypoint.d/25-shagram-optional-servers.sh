#!/bin/sh
# Run by the nginx image's /docker-entrypoint.sh after 20-envsubst-on-templates.sh has rendered the templates.
# A template whose first line is "# shagram-template-requires: NAME [NAME...]" serves something optional (Grafana:
# GRAFANA_HOST): its rendered file is removed unless every NAME is set and not empty, so the edge runs without it.
# render-templates.ts (renderTemplateDir) makes the same choice for the edge run outside a container.
set -eu
dir="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
[ -d "$dir" ] || exit 0
find "$dir" -follow -type f -name '*.conf' -print | sort | while read -r file; do
  first=$(head -n 1 "$file")
  case "$first" in
    "# shagram-template-requires:"*) ;;
    *) continue ;;
  esac
  for name in ${first#"# shagram-template-requires:"}; do
    case "$name" in
      *[!A-Za-z0-9_]* | [0-9]*) echo "25-shagram-optional-servers: $file: bad variable name \"$name\"" >&2; exit 1 ;;
    esac
    eval "value=\${$name:-}"
    if [ -z "$value" ]; then
      rm -f "$file"
      echo "25-shagram-optional-servers: $name is not set: removed $file"
      break
    fi
  done
done
