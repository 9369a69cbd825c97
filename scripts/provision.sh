#!/usr/bin/env bash
# What the test suite needs beyond npm packages, installed from Debian when missing (root + apt):
# Chromium (browser tests), PostgreSQL (database tests), QEMU (real IPVS kernel tests).
# Idempotent and quick when everything is there. Prints the PostgreSQL URL for the tests last.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
log() { echo "[provision] $*" >&2; }

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v pg_ctlcluster >/dev/null || need+=(postgresql)
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
if ((${#need[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing ${need[*]} (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/tmp/lvs-provision-apt.log 2>&1 \
      || { tail -20 /tmp/lvs-provision-apt.log >&2; exit 1; }
  else
    log "missing ${need[*]} and cannot apt-get install (not root): those tests will be skipped"
  fi
fi

# PostgreSQL on 127.0.0.1 only, with a test role and database.
pg_url=""
if command -v pg_ctlcluster >/dev/null; then
  ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if [ -n "$ver" ]; then
    conf=/etc/postgresql/$ver/main/postgresql.conf
    if ! grep -q "^listen_addresses = '127.0.0.1'" "$conf" 2>/dev/null; then
      echo "listen_addresses = '127.0.0.1'" >>"$conf"
      pg_ctlcluster "$ver" main status >/dev/null 2>&1 && pg_ctlcluster "$ver" main restart
    fi
    pg_ctlcluster "$ver" main status >/dev/null 2>&1 || pg_ctlcluster "$ver" main start
    for _ in $(seq 50); do su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1 && break; sleep 0.2; done
    su postgres -c "psql -qAtc \"select 1 from pg_roles where rolname='lvs'\"" | grep -q 1 \
      || su postgres -c "psql -qc \"create role lvs login password 'lvs' superuser\""
    for db in lvs_test lvs_test2; do
      su postgres -c "psql -qAtc \"select 1 from pg_database where datname='$db'\"" | grep -q 1 \
        || su postgres -c "createdb -O lvs $db"
    done
    pg_url="postgres://lvs:lvs@127.0.0.1:5432/lvs_test"
  fi
fi

# The real-kernel guest (Debian kernel with IPVS + ipvsadm under QEMU), built once.
vm=$here/../shared/ipvs-vm
if command -v qemu-system-x86_64 >/dev/null && [ -x "$vm/build-and-run.sh" ]; then
  art=${IPVSVM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ipvsvm}/artifacts/initramfs.cpio.gz
  if [ ! -s "$art" ]; then log "building the IPVS guest (Debian kernel + ipvsadm)"; "$vm/build-and-run.sh" build >&2; fi
fi
echo "$pg_url"
