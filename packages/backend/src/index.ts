/*
 * DevPortal backend: the statically bundled plugins.
 *
 * Dynamic plugins are added at start from the dynamic plugins root
 * (see docs/architecture.md); everything here is compiled in.
 */
import { createBackend } from '@backstage/backend-defaults';
import { startWhenReleased } from './holdStart';
import { rootLoggerServiceFactory } from './rootLogger';
import { drainingRootHttpRouter } from './shutdown';
import { prepareSqliteForSharing } from './sqliteSharing';

// Before any database is opened: two backend generations may share the
// embedded SQLite files during a live apply (see sqliteSharing.ts).
prepareSqliteForSharing();

const backend = createBackend();

// Backstage's root logger, with the secrets schema cached across backend
// generations (rootLogger.ts).
backend.add(rootLoggerServiceFactory);

// Stops within 5 s of SIGTERM: in-flight requests get 3 s, then long polls,
// SSE and websockets are closed (see shutdown.ts).
backend.add(drainingRootHttpRouter);

// Serves the built frontend from the same process and port as the API.
backend.add(import('@backstage/plugin-app-backend'));

// Auth: guest sign-in for local use (see app-config.yaml).
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

// Permissions: admins from `devportal.admins` may manage the portal.
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('@devportal/plugin-permission-backend-module-admins'));

// Catalog
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'));
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

// Scaffolder
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-notifications'));
// DevPortal's offline scaffolder actions (devportal:publish:local,
// devportal:catalog:register-file) ship as a bundled dynamic plugin; see
// dynamic-plugins.yaml.

// TechDocs
backend.add(import('@backstage/plugin-techdocs-backend'));

// Search: the Postgres engine registers itself only on PostgreSQL; on SQLite
// the search plugin falls back to its in-memory Lunr engine.
backend.add(import('@backstage/plugin-search-backend'));
backend.add(import('@backstage/plugin-search-backend-module-pg'));
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
backend.add(import('@backstage/plugin-search-backend-module-techdocs'));

// Events (signals and catalog subscribe to them), user settings,
// notifications and signals
backend.add(import('@backstage/plugin-events-backend'));
backend.add(import('@backstage/plugin-user-settings-backend'));
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

// DevPortal's own endpoints
backend.add(import('@devportal/plugin-devportal-backend'));

// Dynamic backend plugins from the dynamic plugins root (installed by
// `devportal plugins install`), each isolated: one that fails to import,
// throws or hangs in init is marked failed and the rest start.
backend.add(import('@devportal/plugin-dynamic-plugins-backend'));

// The last resort, for a stop that cannot finish: a SIGTERM while plugins
// are still starting, or a shutdown hook that hangs.
const EXIT_DEADLINE_MS = 4_500;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    setTimeout(() => {
      process.stderr.write(`DevPortal backend did not stop within ${EXIT_DEADLINE_MS} ms of ${signal}; exiting\n`);
      process.exit(0);
    }, EXIT_DEADLINE_MS).unref();
  });
}

// A backend started ahead of need waits here for the supervisor (holdStart.ts).
startWhenReleased(() => backend.start()).catch(error => {
  // Backstage logs a failed start but leaves the process running, unready;
  // exit so that ./devportal, systemd or Kubernetes see the failure.
  process.stderr.write(`DevPortal backend failed to start: ${error?.message ?? error}\n`);
  process.exit(1);
});
