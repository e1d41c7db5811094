#!/usr/bin/env bash
# Installs the Debian packages `pnpm bench` needs, only those that are missing.
# Peers (nginx, haproxy, caddy), load generators (wrk, h2load), openssl for the
# certificates and taskset (util-linux) for CPU pinning. Run as root.
set -euo pipefail

declare -A need=(
  [nginx]=nginx
  [haproxy]=haproxy
  [caddy]=caddy
  [wrk]=wrk
  [h2load]=nghttp2-client
  [openssl]=openssl
  [taskset]=util-linux
)

missing=()
for tool in "${!need[@]}"; do
  if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
    missing+=("${need[$tool]}")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "bench: all tools present"
  exit 0
fi

echo "bench: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

echo "bench: installed; the bench starts its own instances on free loopback ports"
