#!/usr/bin/env bash
# Install the real parts the tests drive, where missing: PostgreSQL with pg_stat_statements
# (contrib), Chromium with ChromeDriver, LibreOffice Calc. Usage: ensure_system.sh [postgres] [chromium] [libreoffice]
set -euo pipefail
want=("$@")
[ ${#want[@]} -gt 0 ] || want=(postgres chromium libreoffice)
pkgs=()
have_pg() {
  local bindir
  for bindir in /usr/lib/postgresql/*/bin; do
    [ -x "$bindir/initdb" ] && [ -x "$bindir/pgbench" ] || continue
    local ver; ver=$(basename "$(dirname "$bindir")")
    ls /usr/share/postgresql/"$ver"/extension/pg_stat_statements.control >/dev/null 2>&1 && return 0
  done
  return 1
}
for part in "${want[@]}"; do
  case "$part" in
    postgres) have_pg || pkgs+=(postgresql postgresql-contrib) ;;
    chromium) { command -v chromium >/dev/null && command -v chromedriver >/dev/null; } || pkgs+=(chromium chromium-driver) ;;
    libreoffice) command -v libreoffice >/dev/null || command -v soffice >/dev/null || pkgs+=(libreoffice-calc-nogui) ;;
    *) echo "ensure_system: unknown part $part" >&2; exit 2 ;;
  esac
done
if [ ${#pkgs[@]} -gt 0 ]; then
  echo "ensure_system: installing ${pkgs[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi
