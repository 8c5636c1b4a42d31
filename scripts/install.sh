#!/usr/bin/env bash
# Install archive and every dependency at the exact versions and hashes of the lock.
#   bash scripts/install.sh            # runtime + test tools (requirements/dev.lock)
#   bash scripts/install.sh --runtime  # what `archive` needs only (requirements/runtime.lock)
# pip refuses any file whose hash is not in the lock (--require-hashes), so a clean machine gets
# the same packages as CI. The project itself is installed editable without resolving anything.
set -euo pipefail
cd "$(dirname "$0")/.."
lock=requirements/dev.lock
[[ "${1:-}" == "--runtime" ]] && lock=requirements/runtime.lock
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
python3 -m pip install -q --require-hashes -r "$lock"
python3 -m pip install -q --no-deps --no-build-isolation -e .
