import { Command } from 'commander';

/**
 * Each command's code is loaded when the command runs: `plugins install` runs
 * at every start, and an unchanged install should not pay for loading the
 * OCI client, tar or pacote.
 */
export function createProgram(): Command {
  const program = new Command('devportal')
    .description('DevPortal plugin tooling')
    .showHelpAfterError();

  const plugins = program
    .command('plugins')
    .description('Install and inspect the dynamic plugins of this portal');

  plugins
    .command('install')
    .description('Install the plugins listed in dynamic-plugins.yaml into the dynamic plugins root')
    .option('--config <file>', 'the dynamic plugins configuration', 'dynamic-plugins.yaml')
    .option('--root <dir>', 'the dynamic plugins root', 'dynamic-plugins-root')
    .option('--json', 'print a machine-readable result')
    .option('--concurrency <n>', 'plugins fetched at the same time', '4')
    .option('--skip-integrity', 'install remote npm packages without an integrity (also SKIP_INTEGRITY_CHECK=true)')
    .option('--insecure-registry <host>', 'allow plain HTTP to this OCI registry (repeatable; loopback is always allowed)', collect, [])
    .option('--max-entry-size <bytes>', 'largest file accepted in a plugin archive', process.env.MAX_ENTRY_SIZE ?? '40000000')
    .option('--max-config-size <bytes>', 'largest dynamic-plugins.yaml (and included file) read', '4194304')
    .option('--allow-plugin-config-key <key>', "let pluginConfig set this reserved key (backend, auth, permission, devportal, ...) and its subkeys; logged (repeatable)", collect, [])
    .option('--max-archive-size <bytes>', 'largest total extracted from one plugin archive (default 500000000)')
    .option('--max-npm-tarball-size <bytes>', 'largest npm tarball downloaded (default 200000000)')
    .option('--max-oci-layers <n>', 'most layers in one OCI image (default 64)')
    .option('--max-oci-layer-size <bytes>', 'largest OCI layer downloaded (default 500000000)')
    .option('--max-oci-image-size <bytes>', "largest sum of one OCI image's layers (default 1000000000)")
    .option('--max-oci-manifest-size <bytes>', 'largest OCI manifest or index (default 4194304)')
    .option('--require-oci-digest', 'refuse oci:// references without an @sha256: digest')
    .option('--app-config <file>', "the portal's app-config files (repeatable): apply the marketplace generation stored in the database they configure", collect, [])
    .option('--layer <file>', 'a marketplace layer file to apply over --config (what the backend passes when it applies)')
    .option('--progress', 'print one line per plugin on stderr even with --json or without a terminal')
    .option('--refuse-incompatible', 'fail the install (nothing switched) when a backend package declares a Backstage it cannot run on')
    .option('--preset <name>', "add a preset to dynamic-plugins.yaml's presets: (repeatable; also DEVPORTAL_PRESETS=a,b)", collect, [])
    .option('--presets-dir <dir>', 'where presets are read (default DEVPORTAL_PRESETS_DIR, else marketplace/presets next to --config)')
    .option('--presets-catalog <file|ref>', "a catalog published by catalog build --publish (its index file, or its oci:// catalog index image) whose entries presets install (default DEVPORTAL_PRESETS_CATALOG, else the file's presetsCatalog:)")
    .action(async (...args) => (await import('./commands/install')).installCommand(...(args as [any])));

  plugins
    .command('state')
    .description('Print dynamic-plugins.yaml with the marketplace generation folded in, ready to commit to Git')
    .option('--config <file>', 'the dynamic plugins configuration (the base)', 'dynamic-plugins.yaml')
    .option('--app-config <file>', "the portal's app-config files (repeatable): where the database is configured (default: those ./devportal start uses)", collect, [])
    .option('--generation <n>', 'a generation other than the one a start installs')
    .action(async (...args) => (await import('./commands/state')).stateCommand(...(args as [any])));

  plugins
    .command('presets')
    .description('List the presets (named bundles of catalog plugins): their plugins and the environment variables each needs')
    .option('--config <file>', 'the dynamic plugins configuration (presets are read next to it)', 'dynamic-plugins.yaml')
    .option('--presets-dir <dir>', 'where presets are read (default DEVPORTAL_PRESETS_DIR, else marketplace/presets next to --config)')
    .option('--json', 'print a machine-readable result')
    .action(async (...args) => (await import('./commands/presets')).presetsCommand(...(args as [any])));

  plugins
    .command('list')
    .description('List the plugin packages installed in the dynamic plugins root')
    .option('--root <dir>', 'the dynamic plugins root', 'dynamic-plugins-root')
    .option('--json', 'print a machine-readable result')
    .action(async (...args) => (await import('./commands/list')).listCommand(...(args as [any])));

  const plugin = program.command('plugin').description('Package and publish dynamic plugins');
  plugin
    .command('export')
    .description('Turn a Backstage plugin or module package into a dynamic plugin package: backend packages with their private dependencies, frontend packages built as a module federation remote')
    .argument('[dir]', 'the package folder (default: the current folder)')
    .option('--from-npm <spec>', 'export a package fetched from npm instead')
    .option('--out <dir>', 'where the dynamic package folder is written', 'dist-dynamic')
    .option('--json', 'print a machine-readable result')
    .action(async (...args) => (await import('./commands/export')).exportCommand(...(args as [any, any])));

  plugin
    .command('publish')
    .description('Publish plugin package folders: as one OCI image (RHDH layout, io.backstage.dynamic-packages annotation) or as npm packages')
    .argument('<dirs...>', 'plugin package folders')
    .option('--oci <ref>', 'the image, oci://host[:port]/repo:tag')
    .option('--npm <registry>', 'an npm registry URL (auth from .npmrc)')
    .option('--sign <key>', 'sign what is published with this PEM private key (ECDSA P-256): a cosign-style .sig for an image, dist.signatures for npm (docs/security.md)')
    .option('--insecure-registry <host>', 'allow plain HTTP to this registry (repeatable; loopback always is)', collect, [])
    .option('--json', 'print a machine-readable result')
    .action(async (...args) => (await import('./commands/publish')).publishCommand(...(args as [any, any])));

  program
    .command('catalog')
    .description('Build and check the curated plugin catalog (marketplace/index)')
    .command('build')
    .description('Export every catalog entry (cached by package@version and export tool version), smoke-test each in a real portal and browser, and write the results table')
    .option('--index <dir>', 'the catalog index folder', 'marketplace/index')
    .option('--cache-dir <dir>', 'where builds are cached (default .devportal/cache/catalog)')
    .option('--only <id>', 'build only this entry (repeatable)', collect, [])
    .option('--concurrency <n>', 'exports run at the same time', '2')
    .option('--retry-failed', 'build again the entries whose last build failed (their failure is cached otherwise)')
    .option('--no-smoke', 'export only; no portal, no browser')
    .option('--port <port>', 'the first port tried for the smoke portal', '7300')
    .option('--table <file>', 'where the results table is written (a build with --only leaves it as it is)', 'docs/plugins/catalog.md')
    .option('--no-write-table', 'do not write the results table')
    .option('--publish <ref>', 'publish the plugins that built and passed as one OCI image (RHDH layout), oci://host[:port]/repo:tag, and their RHDH catalog index image as <tag>-index')
    .option('--publish-index <file>', 'with --publish: where the index of the published plugins (a catalog list file) is written', 'catalog-index.yaml')
    .option('--insecure-registry <host>', 'with --publish: allow plain HTTP to this registry (repeatable; loopback always is)', collect, [])
    .option('--json', 'print a machine-readable result on stdout (progress stays on stderr)')
    .action(async (...args) => (await import('./commands/catalog')).catalogBuildCommand(...(args as [any])));

  program
    .command('config')
    .description('Work with app-config files')
    .command('check')
    .description('Check app-config files, the database settings and the port before a start')
    .option('--config <file>', 'an app-config file (repeatable, later files win)', collect, [])
    .option('--port <port>', 'check that this port is free')
    .option('--host <host>', 'the interface the port is checked on', '127.0.0.1')
    .option('--allow-guest-admin', 'allow guest sign-in that makes guests admins on a host other than loopback (also DEVPORTAL_ALLOW_GUEST_ADMIN=true)')
    .action(async (...args) => (await import('./commands/configCheck')).configCheckCommand(...(args as [any])));

  program
    .command('run')
    .description(
      'Own the public port, install the dynamic plugins, check the config and run the backend behind the port; an apply starts a new backend beside the serving one and switches to it once it is ready (a backend that exits with code 75 gets all three steps again)',
    )
    .option('--plugins-config <file>', 'the dynamic plugins configuration (the base; the marketplace layer is read from the database)', 'dynamic-plugins.yaml')
    .option('--root <dir>', 'the dynamic plugins root', 'dynamic-plugins-root')
    .option('--config <file>', "an app-config file of the backend (repeatable, later files win); the root's app-config.dynamic-plugins.yaml is added last unless listed", collect, [])
    .option('--no-plugins', 'skip the plugin installer step')
    .option('--preset <name>', 'install this preset besides those dynamic-plugins.yaml selects, at every install of this run (repeatable)', collect, [])
    .option('--presets-catalog <file|ref>', "the published catalog presets install from, at every install of this run (default DEVPORTAL_PRESETS_CATALOG, else dynamic-plugins.yaml's presetsCatalog:)")
    .option('--backend <path>', 'the built backend to run (./devportal start passes .devportal/backend/packages/backend)', 'packages/backend')
    .option('--port <port>', 'the public port the supervisor listens on and forwards to the serving backend (default: backend.listen.port of the config files, else 7007)')
    .option('--host <host>', 'the interface of the public port (default: backend.listen.host of the config files, else every interface)')
    .option('--install-timeout <seconds>', 'stop the plugin installer after this long; a first start then fails, a restart goes on with the previous plugins', '900')
    .option('--max-restarts <n>', 'stop with an error after more than this many restarts within --restart-window', '5')
    .option('--restart-window <seconds>', 'the window --max-restarts counts in', '120')
    .option('--generation-timeout <seconds>', 'a new backend generation not ready and healthy within this long is stopped; the serving one stays', '120')
    .option('--probation <seconds>', 'after a switch, the previous generation stays (idle) this long and takes the port back if the new one dies', '10')
    .option('--drain-timeout <seconds>', 'how long the previous generation may take to answer its open requests before it is stopped anyway', '30')
    .option('--max-backend-requests <n>', 'requests the public port lets the backend work on at once; more wait their turn, sign-in and the Plugins API first (0: no limit)', '32')
    .action(async (...args) => (await import('./commands/run')).runCommand(...(args as [any])));

  return program;
}

function collect(value: string, previous: string[]) {
  return [...previous, value];
}
