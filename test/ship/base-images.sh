#!/usr/bin/env bash
# Local stand-ins for the official images the Dockerfile and docker-compose.yml name, for
# machines that run Docker but cannot pull from Docker Hub (CI here). Each is a Debian bookworm
# root filesystem made with debootstrap from the apt mirror this machine is configured with,
# tagged with the official name, so the Dockerfile and the compose file are built unchanged:
#   node:20-bookworm-slim   this machine's Node 20 and npm under /usr/local, a `node` user (1000)
#   redis:7-bookworm        Debian's redis-server
#   nginx:stable-bookworm   Debian's nginx, configured as the official image (conf.d/*.conf)
# An image whose tag already exists is kept: delete it (docker rmi) to rebuild it.
set -euo pipefail

CACHE=${STANDIN_CACHE_DIR:-/var/tmp/atrium-standins}
mkdir -p "$CACHE"

has_image() { docker image inspect "$1" >/dev/null 2>&1; }

# The first Debian mirror in the machine's apt sources (deb822 or one-line format).
mirror() {
  local m
  m=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -E '/debian/?$' | head -n1 || true)
  [ -n "$m" ] || m=$(grep -hsE '^deb +(\[[^]]*\] +)?https?://' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | sed -E 's/^deb +(\[[^]]*\] +)?//' | awk '{print $1}' | grep -E '/debian/?$' | head -n1 || true)
  echo "${m:-http://deb.debian.org/debian}"
}

# A minimal bookworm root filesystem, made once and copied for each image.
base_rootfs() {
  local dir=$CACHE/bookworm
  if [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir"
    mkdir -p "$CACHE/debs"
    echo "base-images: debootstrap bookworm from $(mirror)" >&2
    debootstrap --variant=minbase --cache-dir="$CACHE/debs" bookworm "$dir" "$(mirror)" >&2
    # As in Docker's Debian images: no services started by package scripts, no caches kept.
    printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
    chmod +x "$dir/usr/sbin/policy-rc.d"
    chroot "$dir" apt-get clean
    touch "$dir/.complete"
  fi
  echo "$dir"
}

# Copies the base to a fresh directory for one image.
fresh_copy() {
  local dir=$CACHE/$1
  rm -rf "$dir"
  cp -a "$(base_rootfs)" "$dir"
  rm -f "$dir/.complete"
  echo "$dir"
}

apt_install() {
  local dir=$1
  shift
  chroot "$dir" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $* && apt-get clean && rm -rf /var/lib/apt/lists/*" >&2
}

import_dir() {
  local dir=$1 tag=$2
  shift 2
  local changes=()
  for c in "$@"; do changes+=(--change "$c"); done
  tar -C "$dir" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
  rm -rf "$dir"
  echo "base-images: built $tag" >&2
}

node_image() {
  local tag=node:20-bookworm-slim
  has_image "$tag" && return
  local node npm_dir dir
  node=$(command -v node)
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  dir=$(fresh_copy node)
  install -D -m 755 "$node" "$dir/usr/local/bin/node"
  mkdir -p "$dir/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$dir/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$dir/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$dir/usr/local/bin/npx"
  # npm inside a build reaches the registry through this machine's TLS setup: its CA bundle.
  install -D -m 644 /etc/ssl/certs/ca-certificates.crt "$dir/usr/local/share/ca-certificates/host-bundle.crt"
  chroot "$dir" groupadd --gid 1000 node
  chroot "$dir" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  "$dir/usr/local/bin/node" --version >/dev/null
  import_dir "$dir" "$tag" \
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    "ENV NODE_VERSION=$("$node" --version | tr -d v)" \
    "ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/host-bundle.crt" \
    'CMD ["node"]'
}

redis_image() {
  local tag=redis:7-bookworm dir
  has_image "$tag" && return
  dir=$(fresh_copy redis)
  apt_install "$dir" redis-server
  mkdir -p "$dir/data"
  # The official image listens on every interface with protected mode off; so does this one.
  import_dir "$dir" "$tag" "WORKDIR /data" "EXPOSE 6379" \
    'CMD ["redis-server", "--protected-mode", "no", "--bind", "0.0.0.0"]'
}

nginx_image() {
  local tag=nginx:stable-bookworm dir
  has_image "$tag" && return
  dir=$(fresh_copy nginx)
  apt_install "$dir" nginx-light
  # As the official image: only conf.d/*.conf, logs to the container's output.
  rm -f "$dir/etc/nginx/sites-enabled/"* "$dir/etc/nginx/conf.d/"*
  ln -sf /dev/stdout "$dir/var/log/nginx/access.log"
  ln -sf /dev/stderr "$dir/var/log/nginx/error.log"
  import_dir "$dir" "$tag" "EXPOSE 80" 'CMD ["nginx", "-g", "daemon off;"]'
}

node_image
redis_image
nginx_image
