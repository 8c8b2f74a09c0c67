import type { Config } from '@backstage/config';
import type { FrontendRemote } from '@devportal/plugin-dynamic-plugins-common';
import type { ModuleFederation } from '@module-federation/runtime';
import { firstLine } from '../messages';
import type { Feature } from '../remotes/federation';
import { remoteRequest } from '../remotes/remotes';
import { lazyPlugin } from './lazyPlugin';

/**
 * The stand-in for a plugin with an extension manifest, unless config for
 * one of its extensions needs the real code at boot (then `undefined`: the
 * caller loads its definitions now).
 */
export function standIn(federation: ModuleFederation, remote: FrontendRemote, configured: Map<string, string[]>): Feature | undefined {
  const manifest = remote.extensions;
  if (!manifest || manifest.feature === 'legacy') return undefined;
  // Config the real factory applies to the element alone (a page's title
  // text) reaches it on first render; config that moves a route or renames a
  // nav item is needed while the app assembles.
  const needsCode = manifest.extensions.some(e => configured.get(e.id)?.some(key => !e.configAffects || e.configAffects.includes(key)));
  if (needsCode) return undefined;
  try {
    return lazyPlugin(manifest, {
      label: remote.packageName,
      load: () => federation.loadRemote(remoteRequest(remote.remoteInfo.name, manifest.module)),
    });
  } catch (error) {
    // eslint-disable-next-line no-console
    console.warn(`${remote.packageName}: loaded at boot: ${firstLine(error)}`);
    return undefined;
  }
}

/** The extensions `app.extensions` gives config to, with the config keys it sets. */
export function configuredExtensions(config: Config): Map<string, string[]> {
  const configured = new Map<string, string[]>();
  for (const entry of config.getOptional<unknown[]>('app.extensions') ?? []) {
    if (!entry || typeof entry !== 'object') continue;
    for (const [id, value] of Object.entries(entry)) {
      const extensionConfig = value && typeof value === 'object' ? (value as { config?: unknown }).config : undefined;
      if (extensionConfig && typeof extensionConfig === 'object') {
        configured.set(id, [...(configured.get(id) ?? []), ...Object.keys(extensionConfig)]);
      }
    }
  }
  return configured;
}
