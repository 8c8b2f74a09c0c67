import path from 'node:path';
import { describeTrust } from '@devportal/plugin-dynamic-plugins-common';
import { readState } from '@devportal/plugin-installer';

interface ListOptions {
  root: string;
  json?: boolean;
}

/** `devportal plugins list`: what the last install put in the root. */
export async function listCommand(options: ListOptions) {
  const root = path.resolve(options.root);
  const state = await readState(root);
  const installed = Object.values(state?.plugins ?? {}).map(record => ({
    package: record.package,
    name: record.name,
    version: record.version,
    source: record.source,
    folder: record.folder,
    integrity: record.integrity,
    digest: record.digest,
    enabled: true,
    // Who signed it (trust policy): verified by <identity>, unsigned, invalid or not-checked.
    trust: record.trust ?? { status: 'not-checked' as const, mode: 'off' as const },
  }));
  const disabled = (state?.disabled ?? []).map(d => ({ package: d.package, enabled: false }));
  const plugins = [...installed, ...disabled];
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ root, plugins })}\n`);
    return;
  }
  if (plugins.length === 0) {
    process.stdout.write(`No plugins installed in ${root}\n`);
    return;
  }
  for (const p of installed) {
    process.stdout.write(`${p.name}@${p.version}\t${p.source}\t${p.folder}\t${p.integrity ?? p.digest ?? ''}\t${describeTrust(p.trust)}\n`);
  }
  for (const p of disabled) process.stdout.write(`${p.package}\tdisabled\n`);
}
