#!/usr/bin/env bash
# Follows docs/deploy.md on a fresh Debian 12 machine made here: a debootstrap'd Debian 12 (minbase, the least a
# host has) booted with systemd in a systemd-nspawn container with its own network (a veth pair, NAT through this
# host). Inside: git clone of this checkout's HEAD, `make production`, the first administrator, the first
# screening, /health/ through nginx over HTTPS, an upgrade (the script again), a backup with its key file and a
# restore. Needs root, debootstrap, systemd-container and iptables on this host, and Debian's mirror; not run by
# CI (it makes a whole machine). About 5 minutes. The container stays for a look (scripts/try-install.sh --stop
# ends it; --run CMD runs a command in it).
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=bltry
ROOT=/var/lib/machines/$NAME
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
NET=10.77.0

leader() { pgrep -P "$(pgrep -f "systemd-nspawn -b -D $ROOT" | head -1)" | head -1; }
inside() {  # a command inside the booted container, as root, with a clean environment
  nsenter -t "$(leader)" -a env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 bash -euo pipefail -c "$1"
}
say() { echo "try-install: $*"; }

case "${1:-}" in
  --stop) pkill -f "systemd-nspawn -b -D $ROOT" || true; exit 0 ;;
  --run) inside "$2"; exit 0 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "try-install: run as root" >&2; exit 1; }
for tool in debootstrap systemd-nspawn iptables; do
  command -v "$tool" >/dev/null || { echo "try-install: needs $tool (apt-get install debootstrap systemd-container iptables)" >&2; exit 1; }
done

if [ ! -x "$ROOT/lib/systemd/systemd" ]; then
  say "a minimal Debian 12 in $ROOT"
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,ca-certificates,git,make,curl,iproute2 \
    bookworm "$ROOT" "$MIRROR" >/dev/null
  # This host's own certificate authorities (a proxy's, say) and name server, as the machine's network would give.
  cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/" 2>/dev/null || true
  chroot "$ROOT" update-ca-certificates >/dev/null
  echo "$NAME" >"$ROOT/etc/hostname"
  mkdir -p "$ROOT/etc/systemd/network"
  printf '[Match]\nName=host0\n[Network]\nAddress=%s.2/24\nGateway=%s.1\nDNS=%s\n' "$NET" "$NET" \
    "$(awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)" >"$ROOT/etc/systemd/network/10-host0.network"
  chroot "$ROOT" systemctl enable systemd-networkd >/dev/null 2>&1
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
fi

if [ -z "$(pgrep -f "systemd-nspawn -b -D $ROOT" || true)" ]; then
  say "booting it"
  systemd-nspawn -b -D "$ROOT" -M "$NAME" --register=no --keep-unit --network-veth \
    --bind-ro="$(pwd):/src/bottomline" --console=pipe </dev/null >/dev/null 2>&1 &
  veth="ve-$NAME"
  for _ in $(seq 1 30); do ip link show "$veth" >/dev/null 2>&1 && break; sleep 1; done
  ip addr add "$NET.1/24" dev "$veth" 2>/dev/null || true
  ip link set "$veth" up
  sysctl -qw net.ipv4.ip_forward=1
  iptables -t nat -C POSTROUTING -s "$NET.0/24" ! -o "$veth" -j MASQUERADE 2>/dev/null ||
    iptables -t nat -A POSTROUTING -s "$NET.0/24" ! -o "$veth" -j MASQUERADE
  for _ in $(seq 1 30); do inside 'systemctl is-system-running --quiet' 2>/dev/null && break; sleep 1; done
fi

say "docs/deploy.md, Install"
inside 'git config --global --add safe.directory "*"
  [ -d /srv/bottomline ] || git clone -q /src/bottomline /srv/bottomline
  cd /srv/bottomline && git pull -q --ff-only && BOTTOMLINE_HOST=bottomline.test make production'
https='curl -sfk --resolve bottomline.test:443:127.0.0.1'
say "First administrator, the first screening, /health/"
inside "bottomline-manage regions_load --provinces 63 >/dev/null
  bottomline-manage shell -c \"from bottomline.accounts.services import user_save; from bottomline.accounts.models import User; from bottomline.regions.models import Region; User.objects.filter(username='admin').exists() or user_save(username='admin', role='sysadmin', region=Region.objects.get(code='630000000000'), password='\$(head -c 18 /dev/urandom | base64)')\"
  bottomline-manage enrolment_code admin >/dev/null
  bottomline-manage policy_seed >/dev/null
  systemctl start bottomline-screen-full
  $https https://bottomline.test/health/ | grep -q '\"status\": \"ok\"'
  $https -o /dev/null https://bottomline.test/account/login/"
say "Upgrade: the script again (migrate, static files, reload)"
inside 'cd /srv/bottomline && BOTTOMLINE_HOST=bottomline.test make production >/dev/null'
say "Backup and restore"
inside "rm -f /var/backups/bottomline/try.tar.gz /root/bottomline-keys.env
  bottomline-manage backup /var/backups/bottomline/try.tar.gz --keys-file /var/lib/bottomline/keys.env
  mv /var/lib/bottomline/keys.env /root/bottomline-keys.env && chown root:root /root/bottomline-keys.env
  systemctl stop bottomline-web 'bottomline-worker@*' 'bottomline-*.timer'
  bottomline-manage restore /var/backups/bottomline/try.tar.gz --yes
  bottomline-manage migrate >/dev/null && bottomline-manage check --deploy
  systemctl start bottomline-web 'bottomline-worker@1' bottomline-screen-incremental.timer \
    bottomline-screen-full.timer bottomline-figures.timer bottomline-backup.timer bottomline-loans-overdue.timer \
    bottomline-industry-post.timer
  for _ in \$(seq 1 30); do $https https://bottomline.test/health/ >/dev/null && break; sleep 1; done
  $https https://bottomline.test/health/ | grep -q '\"status\": \"ok\"'
  bottomline-manage audit_verify"
say "done: https://bottomline.test/ serves in the container ($0 --run CMD looks inside, --stop ends it)"
