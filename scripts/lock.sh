#!/usr/bin/env bash
# Regenerate the dependency locks from pyproject.toml (+ requirements/build.in), with hashes.
#   bash scripts/lock.sh             # add/remove what pyproject.toml changed, keep other pins
#   bash scripts/lock.sh --upgrade   # bump every package to the newest release (then run the tests)
#   bash scripts/lock.sh --upgrade-package pypdf   # bump one
# Writes requirements/runtime.lock (what `archive` needs) and requirements/dev.lock (runtime +
# test tools + build back-end), both for CPython 3.11+ on any platform (`--universal`).
# Needs uv (`pip install uv`); installing from the locks needs only pip (scripts/install.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v uv >/dev/null 2>&1 || python3 -m pip install -q uv
common=(--universal --python-version 3.11 --generate-hashes --quiet "$@")
uv pip compile pyproject.toml requirements/build.in "${common[@]}" -o requirements/runtime.lock
uv pip compile pyproject.toml requirements/build.in --all-extras "${common[@]}" -o requirements/dev.lock
echo "locked: requirements/runtime.lock ($(grep -c '^[a-z]' requirements/runtime.lock) packages)," \
     "requirements/dev.lock ($(grep -c '^[a-z]' requirements/dev.lock) packages)" >&2
