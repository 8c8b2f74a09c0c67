# `./devportal test`: sets up what the tests need and runs every suite.
# Sourced by ./devportal after bootstrap.sh.

# Debian packages the integration and browser tests run for real.
TEST_APT_PACKAGES=(postgresql chromium docker-registry skopeo mkdocs mkdocs-material)
# Commands that show each package is installed, in the same order.
TEST_APT_COMMANDS=(/usr/lib/postgresql/15/bin/initdb /usr/bin/chromium /usr/bin/docker-registry /usr/bin/skopeo /usr/bin/mkdocs /usr/share/mkdocs/themes/material/__init__.py)
VERDACCIO_VERSION=6.10.4

test_usage() {
  cat <<'EOF'
Usage: ./devportal test [--unit] [--integration] [--e2e] [--deploy] [--setup-only]

Runs the test suites and ends with one line: N passed, N failed, N skipped.
Without a suite flag every suite runs.

Suites:
  --unit          unit tests next to the code (jest, through backstage-cli)
  --integration   the built backend against SQLite and PostgreSQL, permissions
  --e2e           the started portal in Debian's chromium (playwright-core)
  --deploy        the Helm chart renders to valid Kubernetes YAML

Options:
  --setup-only    install what the tests need, run nothing
  -h, --help      show this help

System packages (postgresql, chromium, docker-registry, skopeo, mkdocs,
mkdocs-material) are
installed with apt when running as root on Debian/Ubuntu; otherwise the
command that installs them is printed. Test output goes to test-output/.
EOF
}

ensure_system_packages() {
  local missing=() i
  for i in "${!TEST_APT_PACKAGES[@]}"; do
    [ -e "${TEST_APT_COMMANDS[$i]}" ] || missing+=("${TEST_APT_PACKAGES[$i]}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing system packages for the tests: ${missing[*]}"
    apt-get update -qq >&2 || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
      die "apt-get install ${missing[*]} failed"
  else
    die "the tests need these system packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}"
  fi
}

# The npm registry server for the plugin installer tests. verdaccio asks for
# `node-fetch@cjs`, a dist-tag the registry mirror here lacks; the override pins
# the version that tag names.
ensure_verdaccio() {
  local dir="$STATE/tools/verdaccio" bin="$STATE/tools/verdaccio/node_modules/.bin/verdaccio"
  if [ ! -x "$bin" ]; then
    log "installing verdaccio $VERDACCIO_VERSION into .devportal/tools"
    mkdir -p "$dir"
    printf '{ "private": true, "dependencies": { "verdaccio": "%s" }, "overrides": { "node-fetch@cjs": "2.7.0" } }\n' \
      "$VERDACCIO_VERSION" >"$dir/package.json"
    (cd "$dir" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error) >&2 ||
      die "could not install verdaccio"
  fi
  export DEVPORTAL_VERDACCIO_BIN="$bin"
}

# Real plugins nobody here wrote, fetched from the npm registry at set-up
# (tests themselves talk to loopback only): new-backend-system plugins
# exported with our own `plugin export` (bazaar-backend runs database
# migrations it finds with `resolvePackagePath('<its own name>')` at import),
# and one package already in RHDH's `-dynamic` format, kept unchanged.
THIRD_PARTY_BACKEND=(
  @backstage/plugin-proxy-backend@0.6.18
  @backstage/plugin-catalog-backend-module-openapi@0.2.26
  @roadiehq/scaffolder-backend-module-utils@4.1.2
  @backstage-community/plugin-bazaar-backend@0.27.0
)
RHDH_DYNAMIC_PACKAGE=@janus-idp/backstage-scaffolder-backend-module-regex-dynamic@2.0.4
# Frontend: a new-frontend-system plugin, a legacy one with an entity card and
# a legacy one whose entity tab content is a routable extension
# (e2e/browser/rhdh-legacy-frontend.test.ts), exported by us; and a plugin RHDH
# publishes with dist-scalprum, used unchanged.
THIRD_PARTY_FRONTEND=(
  @backstage-community/plugin-tech-radar@1.14.0
  @backstage-community/plugin-sonarqube@1.2.0
  @backstage-community/plugin-github-actions@1.3.0
)
RHDH_SCALPRUM_PACKAGE=@janus-idp/backstage-plugin-jfrog-artifactory@1.4.13

# What an export's result depends on besides the package itself: the export
# code, the loader rules its entry check uses, the shared contract, the
# Backstage release it records and the host's dependency versions.
third_party_export_hash() {
  local files
  mapfile -t files < <(cd "$ROOT" && find packages/cli/src/export packages/cli/src/commands/export.ts \
    plugins/dynamic-plugins-node/src plugins/dynamic-plugins-common/src -type f ! -name '*.test.ts' | sort)
  (cd "$ROOT" && hash_files "${files[@]}" backstage.json yarn.lock)
}

# Exports (`export`) or fetches unchanged (`pack`) one package into its own
# folder under cache/, keyed by the package@version (and, for exports, the
# export hash), unless that folder is complete; then copies it into `into`.
# Output goes to .devportal/logs/third-party.log; its end is shown on failure.
third_party_fixture() {
  local kind=$1 spec=$2 into=$3 salt="" cached log=$THIRD_PARTY_LOG
  [ "$kind" = export ] && salt=$THIRD_PARTY_EXPORT_HASH
  cached="$THIRD_PARTY_DIR/cache/$(printf '%s\n' "$kind" "$spec" "$salt" | sha256sum | cut -c1-16)"
  THIRD_PARTY_KEYS+=("${cached##*/}")
  if [ ! -f "$cached/.done" ]; then
    log "third-party fixtures: ${kind}ing $spec"
    rm -rf "$cached" && mkdir -p "$cached"
    if [ "$kind" = export ]; then
      node "$ROOT/packages/cli/bin/devportal-cli" plugin export --from-npm "$spec" --out "$cached" >>"$log" 2>&1
    else
      (cd "$cached" && npm pack "$spec") >>"$log" 2>&1
    fi || { tail -n 20 "$log" >&2; die "could not $kind $spec (log: ${log#"$ROOT/"})"; }
    echo "$spec" >"$cached/.done"
  fi
  mkdir -p "$into" && cp -a "$cached"/* "$into"/
}

# The folders the tests read (exported/, rhdh/, exported-frontend/,
# rhdh-frontend/) are copied afresh from the cache on every run; cache
# folders no fixture uses any more are removed.
ensure_third_party_fixtures() {
  local spec key
  THIRD_PARTY_DIR="$STATE/tools/third-party"
  THIRD_PARTY_EXPORT_HASH=$(third_party_export_hash)
  THIRD_PARTY_KEYS=()
  THIRD_PARTY_LOG="$STATE/logs/third-party.log"
  mkdir -p "$STATE/logs" && : >"$THIRD_PARTY_LOG"
  rm -rf "$THIRD_PARTY_DIR"/{exported,rhdh,exported-frontend,rhdh-frontend,.done}
  for spec in "${THIRD_PARTY_BACKEND[@]}"; do
    third_party_fixture export "$spec" "$THIRD_PARTY_DIR/exported"
  done
  third_party_fixture pack "$RHDH_DYNAMIC_PACKAGE" "$THIRD_PARTY_DIR/rhdh"
  for spec in "${THIRD_PARTY_FRONTEND[@]}"; do
    third_party_fixture export "$spec" "$THIRD_PARTY_DIR/exported-frontend"
  done
  third_party_fixture pack "$RHDH_SCALPRUM_PACKAGE" "$THIRD_PARTY_DIR/rhdh-frontend"
  for key in "$THIRD_PARTY_DIR"/cache/*; do
    [[ " ${THIRD_PARTY_KEYS[*]} " == *" ${key##*/} "* ]] || rm -rf "$key"
  done
  export DEVPORTAL_THIRD_PARTY_DIR="$THIRD_PARTY_DIR"
}

# Totals across suites, summed into the closing line.
TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0

add_counts() {
  local suite=$1 passed=$2 failed=$3 skipped=$4
  log "$suite: $passed passed, $failed failed, $skipped skipped"
  TOTAL_PASSED=$((TOTAL_PASSED + passed))
  TOTAL_FAILED=$((TOTAL_FAILED + failed))
  TOTAL_SKIPPED=$((TOTAL_SKIPPED + skipped))
}

run_unit_suite() {
  local report="$ROOT/test-output/unit.json"
  rm -f "$report"
  log "unit tests"
  (cd "$ROOT" && CI=true yarn backstage-cli repo test --json --outputFile="$report") || true
  if [ ! -f "$report" ]; then
    add_counts unit 0 1 0
    return
  fi
  # A suite that fails to load counts as a failure even with no test inside.
  read -r passed failed skipped < <(node -e '
    const r = require(process.argv[1]);
    const broken = r.testResults.filter(t => t.status === "failed" && t.assertionResults.length === 0).length;
    console.log(r.numPassedTests, r.numFailedTests + broken, r.numPendingTests + r.numTodoTests);
  ' "$report")
  add_counts unit "$passed" "$failed" "$skipped"
}

# Runs node:test files; the TAP copy of the output is where counts come from.
run_node_suite() {
  local suite=$1
  shift
  local files=("$@")
  local tap="$ROOT/test-output/$suite.tap"
  log "$suite tests: ${files[*]#"$ROOT/"}"
  (cd "$ROOT" && node --test --test-concurrency=1 --disable-warning=ExperimentalWarning \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" "${files[@]}") || true
  local passed failed skipped cancelled
  passed=$(awk '/^# pass /{print $3}' "$tap" | tail -1)
  failed=$(awk '/^# fail /{print $3}' "$tap" | tail -1)
  skipped=$(awk '/^# skipped /{print $3}' "$tap" | tail -1)
  cancelled=$(awk '/^# cancelled /{print $3}' "$tap" | tail -1)
  if [ -z "$passed" ]; then
    add_counts "$suite" 0 1 0
    return
  fi
  add_counts "$suite" "$passed" "$((failed + ${cancelled:-0}))" "${skipped:-0}"
}

cmd_test() {
  local suites=() setup_only=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --unit) suites+=(unit) ;;
      --integration) suites+=(integration) ;;
      --e2e) suites+=(e2e) ;;
      --deploy) suites+=(deploy) ;;
      --setup-only) setup_only=1 ;;
      -h | --help) test_usage; return 0 ;;
      *) die "unknown option for test: $1 (see ./devportal test --help)" ;;
    esac
    shift
  done
  [ ${#suites[@]} -eq 0 ] && suites=(unit integration e2e deploy)

  ensure_system_packages
  bootstrap
  ensure_verdaccio
  build_portal
  unpack_backend
  ensure_third_party_fixtures
  mkdir -p "$ROOT/test-output"
  [ "$setup_only" = 1 ] && { log "test set-up done"; return 0; }

  # Tests start the built backend the same way ./devportal start does.
  export DEVPORTAL_ROOT="$ROOT" DEVPORTAL_BACKEND_ENTRY="$STATE/backend/packages/backend"

  local suite
  for suite in "${suites[@]}"; do
    case "$suite" in
      unit) run_unit_suite ;;
      integration) run_node_suite integration "$ROOT"/e2e/integration/*.test.ts ;;
      e2e) run_node_suite e2e "$ROOT"/e2e/browser/*.test.ts ;;
      deploy) run_node_suite deploy "$ROOT"/deploy/helm/devportal/*.test.ts ;;
    esac
  done
  echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"
  [ "$TOTAL_FAILED" = 0 ]
}
