# Bootstrap helpers sourced by ./devportal: Node 22, yarn 4, dependencies, build.
#
# Everything DevPortal installs for itself goes into $STATE (.devportal/) so the
# machine's own Node, npm and global packages are never touched.

NODE_MAJOR=22
NODE_PACKAGE_VERSION=22   # newest 22.x in the registry; 24.19+ breaks better-sqlite3 < 13
YARN_VERSION=4.13.0

log() { printf '%s\n' "devportal: $*" >&2; }
die() { printf '%s\n' "devportal: error: $*" >&2; exit 1; }

# Prints a stable hash of the given files' contents (missing files hash as empty).
hash_files() {
  local f
  for f in "$@"; do
    printf '%s\n' "$f"
    [ -f "$f" ] && cat "$f"
  done | sha256sum | cut -d' ' -f1
}

node_platform_package() {
  local arch
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "unsupported CPU architecture $(uname -m); install Node $NODE_MAJOR yourself and put it on PATH" ;;
  esac
  [ "$(uname -s)" = Linux ] || die "only Linux is supported by the bootstrap; install Node $NODE_MAJOR yourself and put it on PATH"
  echo "node-linux-$arch"
}

# A system Node is used when it is major $NODE_MAJOR and ships its headers
# (native addons are compiled against them; nothing is downloaded).
system_node_home() {
  local node_bin version home
  node_bin=$(command -v node 2>/dev/null) || return 1
  version=$("$node_bin" --version 2>/dev/null) || return 1
  [ "${version%%.*}" = "v$NODE_MAJOR" ] || return 1
  home=$(cd "$(dirname "$(readlink -f "$node_bin")")/.." && pwd)
  [ -f "$home/include/node/node_version.h" ] || return 1
  echo "$home"
}

ensure_node() {
  local pkg home
  if home=$(system_node_home); then
    NODE_HOME=$home
  else
    pkg=$(node_platform_package)
    NODE_HOME="$STATE/node/node_modules/$pkg"
    if [ ! -x "$NODE_HOME/bin/node" ]; then
      command -v npm >/dev/null 2>&1 ||
        die "Node $NODE_MAJOR is not installed and there is no npm to fetch it with; install Node $NODE_MAJOR (https://nodejs.org) and run again"
      log "installing Node $NODE_MAJOR into .devportal/node (the system Node is left alone)"
      mkdir -p "$STATE/node"
      # --ignore-scripts: the package ships the binary itself; nothing needs to run.
      npm install --prefix "$STATE/node" --no-save --no-package-lock --ignore-scripts \
        --no-audit --no-fund --loglevel=error "$pkg@$NODE_PACKAGE_VERSION" >&2 ||
        die "could not install $pkg@$NODE_PACKAGE_VERSION from the npm registry"
    fi
  fi
  export PATH="$NODE_HOME/bin:$STATE/bin:$PATH"
  # Native addons (better-sqlite3) must be built against the Node that runs them,
  # not the headers a user-wide .npmrc may point at.
  export npm_config_nodedir="$NODE_HOME"
  export NODE_HOME
}

ensure_yarn() {
  local yarn_js="$STATE/yarn/node_modules/@yarnpkg/cli-dist/bin/yarn.js"
  if [ ! -f "$yarn_js" ]; then
    log "installing yarn $YARN_VERSION into .devportal/yarn"
    mkdir -p "$STATE/yarn"
    npm install --prefix "$STATE/yarn" --no-save --no-package-lock --ignore-scripts \
      --no-audit --no-fund --loglevel=error "@yarnpkg/cli-dist@$YARN_VERSION" >&2 ||
      die "could not install @yarnpkg/cli-dist@$YARN_VERSION from the npm registry"
  fi
  # A `yarn` on PATH, since backstage-cli and package scripts call it by name.
  mkdir -p "$STATE/bin"
  cat >"$STATE/bin/yarn" <<EOF
#!/bin/sh
exec "$NODE_HOME/bin/node" "$yarn_js" "\$@"
EOF
  chmod +x "$STATE/bin/yarn"
  export COREPACK_ENABLE_STRICT=0 YARN_IGNORE_PATH=1
}

install_dependencies() {
  local stamp="$STATE/install.stamp" want
  want=$(cd "$ROOT" && hash_files yarn.lock package.json .yarnrc.yml packages/*/package.json plugins/*/package.json; echo "$NODE_HOME")
  if [ -d "$ROOT/node_modules" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  log "installing dependencies with yarn (the first time takes 3-4 minutes); log in .devportal/logs/install.log"
  local flags=()
  # CI must use the committed lock file as it is.
  [ "${CI:-}" = true ] && flags+=(--immutable)
  mkdir -p "$STATE/logs"
  if ! (cd "$ROOT" && yarn install "${flags[@]}") >"$STATE/logs/install.log" 2>&1; then
    grep -E 'YN0001|YN0009|YN0028|Error' "$STATE/logs/install.log" | tail -n 20 >&2
    die "yarn install failed (full log: .devportal/logs/install.log)"
  fi
  echo "$want" >"$stamp"
}

# Builds app, backend and our packages when a source file changed since the
# last build. Output goes to .devportal/logs/build.log; its end is shown on failure.
build_portal() {
  local stamp="$STATE/build.stamp" changed=""
  if [ -f "$stamp" ] && [ -f "$ROOT/packages/backend/dist/bundle.tar.gz" ] && [ -f "$ROOT/packages/app/dist/index.html" ] &&
    [ -d "$ROOT/dynamic-plugins/dist" ]; then
    changed=$(cd "$ROOT" && find packages plugins app-config.yaml \( -name node_modules -o -name dist -o -name dist-types \) -prune \
      -o -type f -newer "$stamp" -print -quit)
    [ -z "$changed" ] && return 0
  fi
  log "building app and backend${changed:+ ($changed changed)}; log in .devportal/logs/build.log"
  mkdir -p "$STATE/logs"
  # tsc first: package builds take their type declarations from dist-types.
  if ! (cd "$ROOT" && yarn tsc && yarn backstage-cli repo build --all && export_bundled_plugins) >"$STATE/logs/build.log" 2>&1; then
    tail -n 40 "$STATE/logs/build.log" >&2
    die "build failed (full log: .devportal/logs/build.log)"
  fi
  touch "$stamp"
}

# DevPortal's own dynamic plugins: packages in plugins/ marked
# `"devportal": { "bundledDynamic": true }`, exported into dynamic-plugins/dist.
export_bundled_plugins() {
  local pkg
  rm -rf "$ROOT/dynamic-plugins/dist"
  mkdir -p "$ROOT/dynamic-plugins/dist"
  for pkg in "$ROOT"/plugins/*/package.json; do
    grep -q '"bundledDynamic": true' "$pkg" || continue
    node "$ROOT/packages/cli/bin/devportal-cli" plugin export "$(dirname "$pkg")" --out "$ROOT/dynamic-plugins/dist" || return 1
  done
}

bootstrap() {
  mkdir -p "$STATE"
  ensure_node
  ensure_yarn
  install_dependencies
}
