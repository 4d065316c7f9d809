#!/bin/sh
# render-config.sh TEMPLATE OUTPUT [COMMAND [ARG...]]
# Writes TEMPLATE to OUTPUT with every ${NAME} replaced by the environment variable NAME, escaped for a YAML
# double-quoted string (\ " and line breaks; whole-line comments are left alone), then runs COMMAND (exec) if one is given. The container entrypoint of
# Prometheus and Alertmanager: neither reads environment variables in its configuration, and their settings (host
# names, the alert receiver's secrets) come from .env. A variable that is unset or empty stops it with exit 1 and
# its name, so a half-configured receiver never starts. POSIX sh and awk only (the images' busybox has both).
set -eu
if [ "$#" -lt 2 ]; then
  echo "usage: render-config.sh TEMPLATE OUTPUT [COMMAND [ARG...]]" >&2
  exit 2
fi
template=$1
output=$2
shift 2
[ -r "$template" ] || { echo "render-config: cannot read $template" >&2; exit 1; }
awk '
  function escape(value,    out, i, c) {
    out = ""
    for (i = 1; i <= length(value); i++) {
      c = substr(value, i, 1)
      if (c == "\\") out = out "\\\\"
      else if (c == "\"") out = out "\\\""
      else if (c == "\n") out = out "\\n"
      else if (c == "\r") out = out "\\r"
      else out = out c
    }
    return out
  }
  # Whole-line comments are copied as they are (they may name a placeholder).
  /^[ \t]*#/ { print; next }
  {
    line = $0
    rendered = ""
    while (match(line, /\$\{[A-Za-z_][A-Za-z0-9_]*\}/)) {
      name = substr(line, RSTART + 2, RLENGTH - 3)
      if (!(name in ENVIRON) || ENVIRON[name] == "") {
        printf "render-config: %s is not set (needed by %s line %d)\n", name, FILENAME, FNR > "/dev/stderr"
        failed = 1
        exit 1
      }
      rendered = rendered substr(line, 1, RSTART - 1) escape(ENVIRON[name])
      line = substr(line, RSTART + RLENGTH)
    }
    print rendered line
  }
' "$template" > "$output.tmp" || { rm -f "$output.tmp"; exit 1; }
mv "$output.tmp" "$output"
echo "render-config: wrote $output from $template" >&2
if [ "$#" -gt 0 ]; then
  exec "$@"
fi
