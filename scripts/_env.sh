# Shared set-up for the README commands: a virtual environment in .venv with the pinned
# requirements, installed once and again only when a requirements file changes.
# REQUIREMENTS (default: requirements.txt) lists the files to install, e.g.
# "requirements.txt requirements-postgres.txt" for the PostgreSQL target.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
fi
REQUIREMENTS="${REQUIREMENTS:-requirements.txt}"
# pyproject.toml too: it lists the packages `-e .` installs.
wanted="$(cat $REQUIREMENTS pyproject.toml | sha256sum | cut -d' ' -f1)"
if ! grep -qx "$wanted" .venv/.requirements.sha256 2>/dev/null; then
    echo "==> installing $REQUIREMENTS into .venv"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet $(printf -- '-r %s ' $REQUIREMENTS)
    echo "$wanted" >> .venv/.requirements.sha256
fi
export PATH="$PWD/.venv/bin:$PATH"
export DO_NOT_TRACK=1
export DBT_PROFILES_DIR="$PWD"
