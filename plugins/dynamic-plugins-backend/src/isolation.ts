import type { BackendFeature, LoggerService } from '@backstage/backend-plugin-api';
import type { DynamicPluginStatusStore } from './status';

/** The parts of Backstage's (internal) feature shape that wrapping needs. */
interface Registration {
  type: string;
  pluginId: string;
  moduleId?: string;
  init: { deps: Record<string, unknown>; func(deps: Record<string, unknown>): Promise<void> };
}
interface RegistrationsFeature extends BackendFeature {
  featureType: 'registrations';
  getRegistrations(): Registration[];
}

function hasRegistrations(feature: BackendFeature): feature is RegistrationsFeature {
  return (feature as RegistrationsFeature).featureType === 'registrations' && typeof (feature as RegistrationsFeature).getRegistrations === 'function';
}

/**
 * Wraps a dynamic plugin's feature so that its init cannot take the backend
 * down: an init that throws, or does not finish within `timeoutMs`, marks the
 * package failed in the status and lets every other plugin start (readiness
 * stays green). The time each init took is recorded.
 *
 * Backstage's `backend.startup` `onPluginBootFailure: continue` covers throws
 * but not hangs, and says nothing about timing, hence the wrapper.
 */
export function isolateFeature(
  feature: BackendFeature,
  options: { packageName: string; status: DynamicPluginStatusStore; logger: LoggerService; timeoutMs: number },
): BackendFeature {
  if (!hasRegistrations(feature)) return feature;
  const { packageName, status, logger, timeoutMs } = options;
  return {
    ...feature,
    getRegistrations() {
      return feature.getRegistrations().filter(registration => {
        // A dependency the host's packages do not export (an extension point
        // that moved between releases, say) arrives as undefined; Backstage
        // would then refuse to start at all. Drop this registration instead.
        const missing = Object.entries(registration.init.deps).filter(([, ref]) => typeof (ref as { id?: unknown })?.id !== 'string');
        if (missing.length === 0) return true;
        const reason = `${registration.moduleId ? `module ${registration.moduleId}` : `plugin ${registration.pluginId}`}: depends on ${missing.map(([name]) => `'${name}'`).join(', ')}, which this host's Backstage packages do not provide`;
        status.update(packageName, { state: 'failed', reason });
        logger.error(`Dynamic plugin ${packageName} is skipped; ${reason}`);
        return false;
      }).map(registration => ({
        ...registration,
        init: {
          deps: registration.init.deps,
          async func(deps: Record<string, unknown>) {
            const started = performance.now();
            let timer: NodeJS.Timeout | undefined;
            try {
              await Promise.race([
                Promise.resolve().then(() => registration.init.func(deps)),
                new Promise((_, reject) => {
                  timer = setTimeout(
                    () => reject(new Error(`init did not finish within ${timeoutMs} ms`)),
                    timeoutMs,
                  );
                  timer.unref();
                }),
              ]);
              status.update(packageName, { state: 'loaded', initMs: Math.round(performance.now() - started) });
            } catch (error) {
              const reason = `${registration.moduleId ? `module ${registration.moduleId}` : `plugin ${registration.pluginId}`}: ${(error as Error).message}`;
              status.update(packageName, { state: 'failed', reason, initMs: Math.round(performance.now() - started) });
              logger.error(`Dynamic plugin ${packageName} failed to start and is skipped; ${reason}`);
            } finally {
              clearTimeout(timer);
            }
          },
        },
      }));
    },
  } as RegistrationsFeature;
}
