import path from 'node:path';
import { listPresets } from '@devportal/plugin-installer';

interface PresetsOptions {
  config: string;
  presetsDir?: string;
  json?: boolean;
}

/**
 * `devportal plugins presets`: what each preset installs and which
 * environment variables it needs (and which of those are unset here), so a
 * platform team can choose one and set its variables before the first start.
 * Exits 1 when a preset file is broken, so CI catches it.
 */
export async function presetsCommand(options: PresetsOptions) {
  const listing = await listPresets(path.resolve(options.config), {
    dir: options.presetsDir ? path.resolve(options.presetsDir) : undefined,
  });
  if (listing.errors.length > 0) process.exitCode = 1;
  if (options.json) {
    process.stdout.write(`${JSON.stringify(listing)}\n`);
    return;
  }
  for (const error of listing.errors) process.stderr.write(`devportal: error: ${error}\n`);
  if (listing.presets.length === 0) {
    process.stdout.write(`No presets in ${listing.dir}\n`);
    return;
  }
  const out: string[] = [];
  for (const preset of listing.presets) {
    out.push(`${preset.name} — ${preset.title}${preset.selected ? '  [selected]' : ''}`, `  ${preset.description}`);
    for (const plugin of preset.plugins) {
      const notes = [plugin.kind, ...(plugin.needsExport ? ['needs export'] : []), ...(plugin.disabled ? ['off unless enabled'] : [])];
      out.push(`  plugin  ${plugin.entry}\t${plugin.package}\t(${notes.join(', ')})`);
    }
    const env = preset.environment.map(name => (preset.missing.includes(name) ? `${name} (unset)` : name));
    out.push(`  env     ${env.length > 0 ? env.join(', ') : 'none'}`, '');
  }
  out.push(`Select with \`presets: [name]\` in dynamic-plugins.yaml or ./devportal start --preset <name> (docs/plugins/presets.md).`);
  process.stdout.write(`${out.join('\n')}\n`);
}
