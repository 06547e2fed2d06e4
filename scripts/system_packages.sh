#!/usr/bin/env bash
# Debian packages the tests need: Chromium (the widget and console browser
# tests drive Debian's Chromium, never a downloaded browser) and CJK fonts (so
# the screenshots in docs/ show Japanese, not boxes). Installs them when run as
# root with apt-get; otherwise stops with the one command to run.
set -euo pipefail
PACKAGES="chromium fonts-noto-cjk"
CHROMIUM="${SOBA_CHROMIUM:-/usr/bin/chromium}"
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=ja 2>/dev/null)" ]; then
  missing+=(fonts-noto-cjk)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
# SOBA_NO_INSTALL=1: never install, only say what is missing.
if [ "$(id -u)" -eq 0 ] && [ -z "${SOBA_NO_INSTALL:-}" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} (Debian packages the tests need)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends ${missing[*]} >/dev/null
  exit 0
fi
cat >&2 <<MSG
The tests need Debian's ${missing[*]}, which are not installed. Run once:
  sudo apt-get install -y --no-install-recommends ${PACKAGES}
then run make test again.
MSG
exit 1
