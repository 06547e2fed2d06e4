#!/usr/bin/env bash
# Create the virtualenv from requirements.lock on a fresh machine.
# Rasa 3.6 runs on Python 3.10 only: find one (PATH, then pyenv) or say what
# to install.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"

find_python310() {
  local candidate
  for candidate in "${SOBA_PYTHON:-}" python3.10 "$HOME/.pyenv/versions/"3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    local version
    version=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$)' | sort -V | tail -n 1 || true)
    if [ -n "$version" ]; then
      echo "$(pyenv root)/versions/$version/bin/python3.10"
      return 0
    fi
  fi
  return 1
}

if ! PYTHON=$(find_python310); then
  cat >&2 <<'MSG'
Soba needs Python 3.10 (Rasa 3.6 does not run on 3.11 or newer) and none was found
on PATH or in pyenv. Install one, for example:
  pyenv install 3.10        # then run this again
  apt-get install python3.10 python3.10-venv   # where your distribution has it
or point SOBA_PYTHON at a python3.10 binary.
MSG
  exit 1
fi

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then
  echo "Creating $VENV with $PYTHON"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade 'pip<26'
# Every package, transitive ones included, at the exact locked version.
"$VENV/bin/python" -m pip install --quiet --no-deps -r requirements.lock
"$VENV/bin/python" -m pip check
touch "$VENV/.installed"
echo "Virtualenv ready: $VENV"
