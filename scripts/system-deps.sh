#!/usr/bin/env bash
# Debian packages the test suite needs: Chromium + driver for browser tests, a Chinese font so pages and
# PDFs show characters (not boxes), Pango for WeasyPrint, poppler-utils to look at PDFs, OpenLDAP's slapd and
# ldap-utils for the directory sign-in tests. Idempotent. `--build` installs only what `uv sync` needs to
# build python-ldap (the OpenLDAP and SASL headers and a C compiler); scripts/bootstrap.sh calls it.
set -euo pipefail
need=()
[ -f /usr/include/lber.h ] || need+=(libldap2-dev)
[ -f /usr/include/sasl/sasl.h ] || need+=(libsasl2-dev)
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
if [ "${1:-}" != "--build" ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium chromium-driver)
  fc-list 2>/dev/null | grep -qiE 'Noto Sans CJK|WenQuanYi' || need+=(fonts-noto-cjk fonts-wqy-microhei)
  ldconfig -p 2>/dev/null | grep -q libpango-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  ls /usr/lib/postgresql/*/bin/pg_basebackup >/dev/null 2>&1 || need+=(postgresql)  # fault test: own cluster
  command -v kubectl >/dev/null 2>&1 || need+=(kubernetes-client)  # kubectl kustomize renders deploy/
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)  # escalation tests run a private broker
  [ -x /usr/sbin/slapd ] || need+=(slapd)  # directory sign-in tests start their own slapd on loopback
  command -v ldapadd >/dev/null 2>&1 || need+=(ldap-utils)
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "system-deps: please install as root: apt-get install -y ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq -o DPkg::Lock::Timeout=600
apt-get install -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends "${need[@]}" >/dev/null
