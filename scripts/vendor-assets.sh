#!/usr/bin/env bash
# Dev-only: refresh the web interface's vendored static assets from npm and rewrite the lock
# (web/static/vendor/assets.lock.json: name, version, file, SHA-256, licence of each).
# The package never fetches anything at run time: no CDN, no request leaves the host.
# Usage: scripts/vendor-assets.sh            (the versions pinned below)
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX_VERSION=2.0.11
PICO_VERSION=2.1.1
ECHARTS_VERSION=5.6.0  # the common build: bar, line, pie, SVG renderer (客户数据分析)
dest=web/static/vendor
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch() {  # fetch NPM_NAME VERSION FILE_IN_PACKAGE OUT_NAME
  local name=$1 version=$2 inner=$3 out=$4
  (cd "$work" && npm pack --silent "$name@$version" >/dev/null)
  local tgz
  tgz="$(ls "$work"/*.tgz | head -1)"
  mkdir -p "$work/x" && tar -xzf "$tgz" -C "$work/x"
  cp "$work/x/package/$inner" "$dest/$out"
  local license
  license="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["license"])' "$work/x/package/package.json")"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$version" "$out" "$(sha256sum "$dest/$out" | cut -d' ' -f1)" "$license" >>"$work/lock.tsv"
  rm -rf "$work/x" "$tgz"
}

mkdir -p "$dest"
: >"$work/lock.tsv"
fetch htmx.org "$HTMX_VERSION" dist/htmx.min.js htmx.min.js
fetch @picocss/pico "$PICO_VERSION" css/pico.min.css pico.min.css
fetch echarts "$ECHARTS_VERSION" dist/echarts.common.min.js echarts.common.min.js
python3 - "$work/lock.tsv" "$dest/assets.lock.json" <<'PY'
import json, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
assets = [dict(zip(("name", "version", "file", "sha256", "license"), r)) for r in rows]
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump({"source": "npm (scripts/vendor-assets.sh)", "assets": assets}, f, indent=2)
    f.write("\n")
PY
echo "vendored into $dest:" >&2
cat "$dest/assets.lock.json" >&2
