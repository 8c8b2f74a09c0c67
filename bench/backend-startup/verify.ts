/**
 * Checks after each measured start, outside the timing: a variant that did not
 * load what it should (or loaded what it should not) fails the bench rather
 * than passing for fast. Also collects the loader's per-plugin init times.
 */
import { get } from './http.ts';
import type { Sample, Variant } from './measure.ts';

export interface Expectations {
  generated: Array<{ name: string; pluginId: string }>;
  packageNames: string[];
}

async function guestToken(baseUrl: string): Promise<string> {
  const res = await get(`${baseUrl}/api/auth/guest/refresh`, { 'x-requested-with': 'XMLHttpRequest' });
  if (res.status !== 200) throw new Error(`guest sign-in failed: ${res.status} ${res.body}`);
  return JSON.parse(res.body).backstageIdentity.token;
}

/** After the measurement: are the 10 plugins there (or absent, for the baselines)? */
export async function verify(variant: Variant, baseUrl: string, expect: Expectations, sample: Sample, logs: () => string) {
  const withPlugins = variant.key === 'static' || variant.key === 'dynamic';
  const problems: string[] = [];
  const token = await guestToken(baseUrl);
  const auth = { authorization: `Bearer ${token}` };
  for (const g of expect.generated) {
    const { status } = await get(`${baseUrl}/api/${g.pluginId}/hello`);
    if (withPlugins !== (status === 200)) problems.push(`${g.name}: /api/${g.pluginId}/hello answered ${status}`);
  }
  const routes = [
    ['@devportal/plugin-portal-info-backend', '/api/portal-info/links'],
    ['@backstage/plugin-proxy-backend', '/api/proxy/bench'],
  ];
  for (const [name, route] of routes) {
    const { status } = await get(`${baseUrl}${route}`, auth, 10_000);
    if (withPlugins !== (status !== 404)) problems.push(`${name}: ${route} answered ${status}`);
  }
  const actions = await get(`${baseUrl}/api/scaffolder/v2/actions`, auth, 10_000);
  for (const id of ['devportal:publish:local', 'roadiehq:utils:fs:write']) {
    if (withPlugins !== actions.body.includes(`"${id}"`)) problems.push(`scaffolder action ${id} ${withPlugins ? 'missing' : 'present'}`);
  }
  if (variant.key === 'dynamic' || variant.key === 'dynamicEmpty') {
    const res = await get(`${baseUrl}/api/dynamic-plugins/status`, auth);
    if (res.status !== 200) {
      problems.push(`dynamic plugin status answered ${res.status}`);
    } else {
      const plugins: Array<{ package: string; state: string; reason?: string; initMs?: number }> = JSON.parse(res.body).plugins;
      if (variant.key === 'dynamic') {
        for (const name of expect.packageNames) {
          const p = plugins.find(x => x.package === name);
          if (p?.state !== 'loaded') problems.push(`${name}: dynamic state ${p?.state ?? 'absent'} ${p?.reason ?? ''}`);
        }
        sample.initMs = Object.fromEntries(plugins.map(p => [p.package, p.initMs ?? NaN]));
      } else if (plugins.length) {
        problems.push(`empty root lists ${plugins.length} plugins`);
      }
    }
  } else if ((await get(`${baseUrl}/api/dynamic-plugins/status`, auth)).status !== 404) {
    problems.push('the dynamic plugins loader is in a static entry');
  }
  if (withPlugins && variant.key === 'static' && !sample.requireMs) problems.push('no require timings from the static entry');
  if (problems.length) {
    throw new Error(`${variant.label}: plugins not as expected:\n  ${problems.join('\n  ')}\n--- backend output ---\n${logs().slice(-3000)}`);
  }
}
