#!/usr/bin/env bash
# Run by `npm test` before the suites: the browser tests drive Debian's Chromium, the M2M shared-store
# tests start a real redis-server, and the Postgres storage tests start a throwaway cluster with Debian's
# postgresql server binaries (unless AUTHMESH_TEST_DATABASE_URL names an existing server). On a fresh
# machine they are installed here (as root, with apt-get); an unprivileged user is told the one command
# to run instead.
set -euo pipefail

missing=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ -z "${AUTHMESH_TEST_DATABASE_URL:-}" ] && ! compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null; then
  missing+=(postgresql)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "npm test: installing ${missing[*]} (Debian packages the tests use for real)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

echo "npm test needs ${missing[*]}: run  sudo apt-get install -y ${missing[*]}  and try again" >&2
exit 1
