import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { stringify } from 'yaml';
import { repoRoot, signInAsGuest as guestToken } from '../support/backend.ts';
import { launchBrowser, screenshot, screenshotDir } from '../support/browser.ts';
import { pluginConfigDir } from '../support/frontendFixtures.ts';
import { waitFor } from '../support/ports.ts';
import { startRegistry, type StartedRegistry } from '../support/registry.ts';
import { startSupervised, type StartedSupervisor } from '../support/supervised.ts';
import { startVerdaccio, type StartedVerdaccio } from '../support/verdaccio.ts';

/**
 * The Plugins page (docs/plugins/marketplace.md) in Chromium, as the local
 * admin guest, on the built backend under its supervisor (`devportal-cli
 * run`), against the test npm registry (verdaccio) and OCI registry:
 * browse a catalog file source, install a backend plugin from npm (the
 * exported proxy backend) and a frontend plugin from OCI (the exported Tech
 * Radar), configure the proxy through the Configure dialog (a value the
 * schema refuses first), apply, and see both serve; disable both, apply,
 * both gone; roll back from the History view, both back; then, with the
 * page open, enable the frontend plugin (no new backend generation) and then
 * the backend plugin (a new one): each time the page says "Plugins changed —
 * reload" without an error, and after the reload the plugin works. The
 * screenshots of the views are the ones the docs show
 * (docs/images/marketplace-*.png, docs/images/live-apply-notice.png).
 */
const fixtures = process.env.DEVPORTAL_THIRD_PARTY_DIR ?? path.join(repoRoot, '.devportal/tools/third-party');
const cli = path.join(repoRoot, 'packages/cli/bin/devportal-cli');
const PROXY = '@backstage/plugin-proxy-backend';
const CONSENT = "I understand that it runs with the portal's privileges";
const docsImages = path.join(repoRoot, 'docs/images');

describe('the Plugins page (marketplace) in a browser', () => {
  let npm: StartedVerdaccio;
  let oci: StartedRegistry;
  let portal: StartedSupervisor;
  let browser: Browser;
  let page: Page;
  let upstream: http.Server;
  let upstreamPort: number;
  let radarImage: string;
  /** Tech Radar's plugin key: an OCI plugin is keyed by its image without tag, and its folder. */
  let RADAR: string;
  let proxyVersion: string;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-marketplace-browser-'));

  /** Saves a screenshot with the others, and as the docs' image of that view. */
  const shot = async (name: string, docs?: string) => {
    await screenshot(page, name);
    if (docs) fs.copyFileSync(path.join(screenshotDir, `${name}.png`), path.join(docsImages, `${docs}.png`));
  };
  const api = async (route: string) => {
    const token = await guestToken(portal.baseUrl);
    const res = await fetch(`${portal.baseUrl}/api/dynamic-plugins${route}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, `GET ${route}`);
    return res.json() as Promise<any>;
  };
  /** The proxy endpoint's status, through the portal with the guest's token. */
  const proxied = async () => {
    const token = await guestToken(portal.baseUrl);
    const res = await fetch(`${portal.baseUrl}/api/proxy/upstream/ping`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.text() };
  };
  /** Opens the Plugins page; after a restart the app may ask to sign in again. */
  const openPlugins = async () => {
    await page.goto(`${portal.baseUrl}/plugins`);
    const tabs = page.getByRole('tab', { name: 'Installed' });
    const enter = page.getByRole('button', { name: /enter/i });
    await tabs.or(enter).first().waitFor();
    if (await enter.isVisible()) {
      await enter.click();
      await page.goto(`${portal.baseUrl}/plugins`);
    }
    await tabs.waitFor();
  };
  const installedRow = (key: string) => page.getByRole('grid', { name: 'Installed plugins' }).getByRole('row', { name: new RegExp(key.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')) });
  const pending = () => page.getByRole('region', { name: 'Pending changes' });
  /** "Plugins changed — reload", shown on an open page once an apply serves. */
  const notice = () => page.getByRole('status').filter({ hasText: 'Plugins changed — reload' });
  /**
   * Presses `button` (Apply, or Roll back to this), waits for the stages to
   * show and for the generation to serve, live (a new backend generation
   * takes over the port, or none for frontend-only changes), checks that the
   * open page says "Plugins changed — reload" and showed no error meanwhile,
   * then reloads it from the notice.
   */
  const applyLive = async (button: Locator, screenshotName?: string) => {
    await button.click();
    const stages = page.getByRole('list', { name: 'Apply stages' });
    await stages.waitFor();
    if (screenshotName) await shot(screenshotName);
    const newest = (await api('/generations')).generations[0];
    await waitFor(`generation ${newest.id} serving`, async () => ((await api(`/generations/${newest.id}`)).state === 'serving' ? true : undefined), 120_000);
    await notice().waitFor({ timeout: 30_000 });
    // The page kept working through the switch: no error panel, no failed load.
    assert.equal(await page.getByRole('alert').filter({ hasText: /could not be loaded|failed|error/i }).count(), 0);
    await notice().getByRole('button', { name: 'Reload' }).click();
    await page.getByRole('tab', { name: 'Installed' }).or(page.getByRole('button', { name: /enter/i })).first().waitFor();
    await openPlugins();
    return newest.id as number;
  };
  const radarLink = () => page.getByRole('link', { name: 'Tech Radar' });

  before(async () => {
    [npm, oci] = await Promise.all([startVerdaccio(), startRegistry()]);
    upstream = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ upstream: true, path: req.url })));
    await new Promise<void>(resolve => upstream.listen(0, '127.0.0.1', resolve));
    upstreamPort = (upstream.address() as { port: number }).port;

    // The backend plugin on npm, the frontend plugin as an OCI image.
    fs.writeFileSync(path.join(work, '.npmrc'), `//127.0.0.1:${new URL(npm.url).port}/:_authToken=${npm.token}\n`);
    const proxy = JSON.parse(
      execFileSync(process.execPath, [cli, 'plugin', 'publish', '--npm', npm.url, '--json', path.join(fixtures, 'exported', 'backstage-plugin-proxy-backend-dynamic')], {
        cwd: work,
      }).toString(),
    ).packages[0];
    proxyVersion = proxy.version;
    radarImage = `oci://${oci.host}/community/frontend:1.0.0`;
    RADAR = `oci://${oci.host}/community/frontend!backstage-community-plugin-tech-radar-dynamic`;
    execFileSync(process.execPath, [cli, 'plugin', 'publish', '--oci', radarImage, path.join(fixtures, 'exported-frontend', 'backstage-community-plugin-tech-radar-dynamic')]);

    // A catalog file source listing both, from the test registries (docs/plugins/catalog-format.md).
    const catalogFile = path.join(work, 'catalog.yaml');
    fs.writeFileSync(
      catalogFile,
      stringify([
        {
          id: 'proxy-backend',
          title: 'Proxy',
          description: 'Proxy endpoints in the backend, so frontend plugins can reach third-party APIs.',
          name: PROXY,
          kind: 'backend',
          source: 'npm',
          category: 'Infrastructure',
          versions: [{ version: proxyVersion, package: `${PROXY}@${proxyVersion}`, integrity: proxy.integrity, backstageVersion: '1.55.0' }],
          readme: 'Serves `/api/proxy/<path>` for each entry of `proxy.endpoints`.',
          requiredConfig: ['proxy.endpoints'],
        },
        {
          id: 'tech-radar',
          title: 'Tech Radar',
          description: "A Tech Radar page for your organisation's technology choices.",
          name: '@backstage-community/plugin-tech-radar',
          kind: 'frontend',
          source: 'oci',
          category: 'Discovery',
          versions: [{ version: '1.14.0', package: `${radarImage}!backstage-community-plugin-tech-radar-dynamic`, backstageVersion: '1.55.0' }],
          readme: 'Its page and nav item appear without wiring.',
        },
      ]),
    );

    // The base: DevPortal's bundled plugins; npm packages come from verdaccio.
    const configDir = pluginConfigDir(work);
    fs.writeFileSync(path.join(configDir, '.npmrc'), `registry=${npm.url}/\n`);
    const baseConfig = path.join(configDir, 'dynamic-plugins.yaml');
    fs.writeFileSync(baseConfig, stringify({ includes: ['bundled.yaml'], plugins: [] }));

    [portal, browser] = await Promise.all([
      startSupervised({
        pluginsConfig: baseConfig,
        // A short probation keeps the test fast; the generation serves once it is over.
        runArgs: ['--probation', '2'],
        config: { dynamicPlugins: { marketplace: { baseConfig, catalog: { sources: [{ type: 'file', path: catalogFile }] } } } },
      }),
      launchBrowser(),
    ]);
    // Reduced motion: the tabs' indicator does not slide, so screenshots show it under the selected tab.
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, reducedMotion: 'reduce' });
    page.setDefaultTimeout(30_000);
    await page.goto(portal.baseUrl);
    await page.getByRole('button', { name: /enter/i }).click();
    await page.getByTestId('home-greeting').waitFor();
  });

  // A failed step leaves what the page showed, for the log and test-output/screenshots.
  afterEach(async t => {
    const failed = (t as unknown as { passed?: boolean }).passed === false;
    if (!failed || !page) return;
    await screenshot(page, `marketplace-failed-${t.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => {});
    console.log(`--- the page when '${t.name}' failed ---\n${await page.locator('body').ariaSnapshot({ timeout: 5_000 }).catch(e => String(e))}`);
  });

  after(async () => {
    await browser?.close();
    await portal?.stop();
    await Promise.all([npm?.stop(), oci?.stop()]);
    upstream?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('installs a backend plugin from npm and a frontend plugin from OCI from the Catalog, and both serve after Apply', async () => {
    await openPlugins();
    assert.equal((await proxied()).status, 404);
    await page.getByRole('tab', { name: 'Catalog' }).click();
    const entries = page.getByRole('list', { name: 'Catalog entries' });
    await entries.getByRole('listitem', { name: 'Tech Radar' }).waitFor();

    // Search narrows the list (the backend filters).
    await page.getByRole('searchbox', { name: 'Search plugins' }).fill('proxy');
    await waitFor('the search result', async () => ((await entries.getByRole('listitem').count()) === 1 ? true : undefined), 10_000, 100);
    await page.getByRole('button', { name: 'Details of Proxy' }).click();
    const detail = page.getByRole('article', { name: 'Proxy details' });
    await detail.getByRole('region', { name: 'Required configuration' }).getByText('proxy.endpoints').waitFor();
    await detail.getByRole('region', { name: 'Compatibility' }).getByText(/1\.55\.0/).first().waitFor();
    const install = page.getByRole('button', { name: 'Install', exact: true });
    // Third-party code: Install waits for the consent.
    assert.equal(await install.isDisabled(), true);
    await page.getByRole('checkbox', { name: CONSENT }).check({ force: true });
    await install.click();
    await page.getByRole('status').filter({ hasText: `Staged: install ${PROXY}@${proxyVersion}` }).getByText(/Pinned: .*sha512-/).waitFor();
    await shot('marketplace-catalog', 'marketplace-catalog');

    await page.getByRole('button', { name: 'Back to catalog' }).click();
    await page.getByRole('searchbox', { name: 'Search plugins' }).fill('radar');
    await page.getByRole('button', { name: 'Details of Tech Radar' }).click();
    await page.getByRole('article', { name: 'Tech Radar details' }).waitFor();
    await page.getByRole('checkbox', { name: CONSENT }).check({ force: true });
    await install.click();
    // The OCI reference is pinned to its digest when the change is staged.
    await page.getByRole('status').filter({ hasText: /Staged: install oci:\/\// }).getByText(/Pinned: .*sha256:[0-9a-f]{64}/).waitFor();

    // Both staged, applied as one generation.
    await pending().getByText(`install ${PROXY}@${proxyVersion}`).waitFor();
    await pending().getByText(/install oci:\/\/.*tech-radar/).waitFor();
    await applyLive(pending().getByRole('button', { name: 'Apply' }), 'marketplace-apply-stages');

    await waitFor('the proxy plugin loaded', async () => ((await installedRow(PROXY).getByText('loaded').count()) > 0 ? true : undefined), 10_000, 200);
    await installedRow(PROXY).getByText('marketplace').waitFor();
    // The proxy serves, with no endpoint yet.
    assert.equal((await proxied()).status, 404);
    // The frontend plugin: its nav item, and its page.
    await radarLink().click();
    await page.getByText('ADOPT').first().waitFor();
    await shot('marketplace-tech-radar');
  });

  it('refuses a config that violates the schema, naming the key, and stages nothing', async () => {
    await openPlugins();
    await installedRow(PROXY).getByRole('button', { name: 'Configure' }).click();
    const dialog = page.getByRole('dialog', { name: `Configure ${PROXY}` });
    await dialog.getByRole('textbox', { name: 'pluginConfig (YAML)' }).fill('proxy:\n  endpoints: not-a-mapping\n');
    await dialog.getByRole('button', { name: 'Save' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /proxy\/endpoints/);
    await shot('marketplace-configure-refused');
    // The dialog stays open with the text as typed; nothing is staged.
    assert.equal(await dialog.getByRole('textbox', { name: 'pluginConfig (YAML)' }).inputValue(), 'proxy:\n  endpoints: not-a-mapping\n');
    assert.deepEqual((await api('/changes')).changes, []);
    assert.equal(await pending().count(), 0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('configures the proxy through the Configure dialog; after Apply its endpoint answers', async () => {
    await installedRow(PROXY).getByRole('button', { name: 'Configure' }).click();
    const dialog = page.getByRole('dialog', { name: `Configure ${PROXY}` });
    // The form built from the plugin's own schema: a boolean it describes, and the endpoint map left to YAML.
    await dialog.getByRole('tab', { name: 'Form' }).click();
    await dialog.getByRole('checkbox', { name: /proxy\.skipInvalidProxies/ }).waitFor();
    await dialog.getByText(/edit in YAML/).first().waitFor();
    await shot('marketplace-configure-form', 'marketplace-configure-form');
    await dialog.getByRole('tab', { name: 'YAML' }).click();
    await dialog
      .getByRole('textbox', { name: 'pluginConfig (YAML)' })
      .fill(stringify({ proxy: { endpoints: { '/upstream': { target: `http://127.0.0.1:${upstreamPort}`, allowedHeaders: [] } } } }));
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await pending().getByText(`configure ${PROXY}`).waitFor();
    await applyLive(pending().getByRole('button', { name: 'Apply' }));

    const answer = await proxied();
    assert.equal(answer.status, 200, answer.body);
    assert.deepEqual(JSON.parse(answer.body), { upstream: true, path: '/ping' });
    await installedRow(PROXY).getByText('loaded').waitFor();
    await installedRow(RADAR).getByText('loaded').waitFor();
    // The two rows the marketplace added are the last ones.
    await installedRow(RADAR).scrollIntoViewIfNeeded();
    await shot('marketplace-installed', 'marketplace-installed');
  });

  it('disables both plugins on the Installed view; after Apply they are gone', async () => {
    await installedRow(PROXY).getByRole('button', { name: 'Disable' }).click();
    await pending().getByText(`disable ${PROXY}`).waitFor();
    await installedRow(RADAR).getByRole('button', { name: 'Disable' }).click();
    await pending().getByText(`disable ${RADAR}`).waitFor();
    await applyLive(pending().getByRole('button', { name: 'Apply' }));

    await installedRow(PROXY).getByText('disabled').waitFor();
    await installedRow(RADAR).getByText('disabled').waitFor();
    assert.equal((await proxied()).status, 404);
    const remotes = await (await fetch(`${portal.baseUrl}/.backstage/dynamic-features/remotes`)).text();
    assert.doesNotMatch(remotes, /tech-radar/);
    // The app loads the remotes list before it renders: no Tech Radar nav item.
    await page.getByRole('link', { name: 'Home' }).first().waitFor();
    assert.equal(await radarLink().count(), 0);
  });

  it('rolls back from the History view to the generation that had them, and they are back', async () => {
    const { generations } = await api('/generations');
    const [disabled, configured] = generations as any[];
    assert.equal(disabled.state, 'serving');
    assert.deepEqual(
      disabled.diff.map((d: any) => [d.key, d.change]).sort(),
      [[PROXY, 'disabled'], [RADAR, 'disabled']],
    );
    await page.getByRole('tab', { name: 'History' }).click();
    const table = page.getByRole('grid', { name: 'Generations' });
    const row = table.getByRole('row', { name: new RegExp(`#${configured.id}\\b`) });
    await row.waitFor();
    // The serving generation cannot be rolled back to.
    assert.equal(await table.getByRole('row', { name: new RegExp(`#${disabled.id}\\b`) }).getByRole('button', { name: 'Roll back to this' }).isDisabled(), true);
    await shot('marketplace-history-before-rollback');
    const rolled = await applyLive(row.getByRole('button', { name: 'Roll back to this' }));

    const answer = await proxied();
    assert.equal(answer.status, 200, answer.body);
    await installedRow(PROXY).getByText('loaded').waitFor();
    await radarLink().waitFor();
    await page.getByRole('tab', { name: 'History' }).click();
    await table.getByRole('row', { name: new RegExp(`#${rolled}\\b`) }).getByText(`serving (rollback to ${configured.id})`).waitFor();
    await shot('marketplace-history', 'marketplace-history');
    await radarLink().click();
    await page.getByText('ADOPT').first().waitFor();
  });

  it('with the page open, enables a frontend plugin (no new backend) and then a backend plugin: the notice shows, and after reload both work', async () => {
    await openPlugins();
    await installedRow(PROXY).getByRole('button', { name: 'Disable' }).click();
    await installedRow(RADAR).getByRole('button', { name: 'Disable' }).click();
    await pending().getByText(`disable ${RADAR}`).waitFor();
    await applyLive(pending().getByRole('button', { name: 'Apply' }));
    assert.equal(await radarLink().count(), 0);

    // The frontend plugin: the running backend serves it at once.
    const backendsBefore = portal.logs().split('\n').filter(l => l.includes('starting a new backend for generation')).length;
    await installedRow(RADAR).getByRole('button', { name: 'Enable' }).click();
    await pending().getByText(`enable ${RADAR}`).waitFor();
    await pending().getByRole('button', { name: 'Apply' }).click();
    await notice().waitFor({ timeout: 60_000 });
    // The page reads the pending changes again once the apply has ended.
    await waitFor('the applied change to leave the pending bar', async () => ((await pending().count()) === 0 ? true : undefined), 15_000, 200);
    await shot('live-apply-notice', 'live-apply-notice');
    assert.equal(portal.logs().split('\n').filter(l => l.includes('starting a new backend for generation')).length, backendsBefore);
    await notice().getByRole('button', { name: 'Reload' }).click();
    await radarLink().waitFor();
    assert.equal((await proxied()).status, 404);

    // The backend plugin: a new backend generation takes over.
    await openPlugins();
    await installedRow(PROXY).getByRole('button', { name: 'Enable' }).click();
    await pending().getByText(`enable ${PROXY}`).waitFor();
    await applyLive(pending().getByRole('button', { name: 'Apply' }));
    assert.equal(portal.logs().split('\n').filter(l => l.includes('starting a new backend for generation')).length, backendsBefore + 1);
    const answer = await proxied();
    assert.equal(answer.status, 200, answer.body);
    await radarLink().click();
    await page.getByText('ADOPT').first().waitFor();
  });
});
