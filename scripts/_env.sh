# Shared set-up for the README commands: a virtual environment in .venv with the pinned
# requirements, installed once and again only when requirements.txt changes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
fi
wanted="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [ "$(cat .venv/.requirements.sha256 2>/dev/null || true)" != "$wanted" ]; then
    echo "==> installing requirements.txt into .venv"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r requirements.txt
    echo "$wanted" > .venv/.requirements.sha256
fi
export PATH="$PWD/.venv/bin:$PATH"
export DO_NOT_TRACK=1
export DBT_PROFILES_DIR="$PWD"
