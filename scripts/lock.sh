#!/usr/bin/env bash
# Re-pins every Python package, with hashes, from pyproject.toml (docs/dependencies.md): run it after changing
# a dependency there, then commit pyproject.toml and both lock files together.
#   requirements.lock             everything (runtime, every extra, the development tools): scripts/setup.sh
#   requirements-production.lock  runtime + batch + pdf: what a production host (web and worker) installs
set -euo pipefail
cd "$(dirname "$0")/.."
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
python3.11 -m venv "$tools"
"$tools/bin/pip" install -q --disable-pip-version-check uv==0.13.9 2>&1 | grep -v "is ignored: it is neither" || true
lock() {
  local out="$1"
  shift
  "$tools/bin/uv" pip compile pyproject.toml "$@" --generate-hashes --python-version 3.11 \
    --python-platform x86_64-unknown-linux-gnu --custom-compile-command "scripts/lock.sh" --quiet -o "$out"
}
lock requirements.lock --extra dev
lock requirements-production.lock --extra batch --extra pdf
echo "lock: requirements.lock and requirements-production.lock written"
