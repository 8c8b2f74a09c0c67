import path from 'node:path';
import type { Config } from '@backstage/config';
import type { CatalogSource } from '@devportal/plugin-installer';

/** The marketplace's settings (`dynamicPlugins.marketplace.*`, see config.d.ts), resolved. */
export interface MarketplaceSettings {
  /** The base dynamic-plugins.yaml the layer goes over. */
  baseConfig: string;
  /** The devportal-cli the installer runs from, in a child process. */
  cli: string;
  /** How long an install may take before it is killed and the apply fails. */
  installTimeoutMs: number;
  /** How long the apply lock holds without the apply finishing (a crashed apply frees it then). */
  lockMs: number;
  /** Whether a successful apply restarts the backend through its supervisor. */
  restart: boolean;
  catalogSources: CatalogSource[];
  /** Extra installer flags (e.g. --insecure-registry host), passed as they are. */
  installerArgs: string[];
  /** How often each replica reports itself and looks for a newer serving generation. */
  pollMs: number;
}

export function readMarketplaceSettings(config: Config): MarketplaceSettings {
  const own = config.getOptionalConfig('dynamicPlugins.marketplace');
  // Relative paths mean the working folder the portal is started in (the repository, or /app).
  const file = (value: string) => path.resolve(value);
  const sources = (own?.getOptionalConfigArray('catalog.sources') ?? []).map(source => {
    const type = source.getString('type');
    switch (type) {
      case 'index':
      case 'file':
        return { type, path: file(source.getString('path')) } as CatalogSource;
      case 'url':
        return { type, url: source.getString('url') } as CatalogSource;
      case 'oci':
        return { type, image: source.getString('image') } as CatalogSource;
      default:
        throw new Error(`dynamicPlugins.marketplace.catalog.sources: unknown type '${type}' (index, file, url or oci)`);
    }
  });
  return {
    baseConfig: file(own?.getOptionalString('baseConfig') ?? 'dynamic-plugins.yaml'),
    cli: file(own?.getOptionalString('installer') ?? 'packages/cli/bin/devportal-cli'),
    installTimeoutMs: own?.getOptionalNumber('installTimeoutMs') ?? 600_000,
    lockMs: own?.getOptionalNumber('lockTimeoutMs') ?? 900_000,
    restart: own?.getOptionalBoolean('restart') ?? true,
    catalogSources: sources.length > 0 ? sources : [{ type: 'index', path: file('marketplace/index') }],
    installerArgs: own?.getOptionalStringArray('installerArgs') ?? [],
    pollMs: own?.getOptionalNumber('replicaPollMs') ?? 3000,
  };
}
