import type { ResolvedPlugin } from '../config/layers';
import { requireValid } from '../spec/classify';
import { localSource } from './local';
import { npmSource } from './npm';
import { ociSource } from './oci';
import type { FetchResult, InstallSettings, PluginSource, SourceKind, SourcePlugin } from './types';

/** A plugin's source with the plugin bound: what the orchestration calls. */
export interface BoundSource {
  kind: SourceKind;
  checksOffline(): boolean;
  fingerprint(settings: InstallSettings): Promise<string | undefined>;
  fetch(stagingDir: string, settings: InstallSettings): Promise<FetchResult>;
}

/**
 * The source that fetches a plugin, picked by its classified spec's kind
 * (one module per kind). An invalid spec throws its own error here, when the
 * plugin is fetched, so it fails as one plugin.
 */
export function sourceFor(plugin: ResolvedPlugin): BoundSource {
  const spec = requireValid(plugin.spec);
  switch (spec.source) {
    case 'npm':
      return bind(npmSource, { plugin, spec });
    case 'oci':
      return bind(ociSource, { plugin, spec });
    case 'local':
      return bind(localSource, { plugin, spec });
    default:
      throw new Error(`Unknown source kind for ${plugin.package}`);
  }
}

function bind<K extends SourceKind>(source: PluginSource<K>, target: SourcePlugin<K>): BoundSource {
  return {
    kind: source.kind,
    checksOffline: () => source.checksOffline(target),
    fingerprint: settings => source.fingerprint(target, settings),
    fetch: (stagingDir, settings) => source.fetch({ ...target, stagingDir, settings }),
  };
}
