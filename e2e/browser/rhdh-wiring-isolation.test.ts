import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { repoRoot, startBackend, type StartedBackend } from '../support/backend.ts';
import { launchBrowser, screenshot, signInAsGuest } from '../support/browser.ts';
import { installPlugins, pluginConfigDir } from '../support/frontendFixtures.ts';

/**
 * One plugin's broken wiring must not take the others down (issue 16). In the
 * catalog build, Adoption Insights' icon (`appIcons` naming an export its
 * module lacks, used by its sidebar item) failed inside the app's navigation,
 * and every other plugin's smoke test then saw "Error in extension
 * 'nav-content:app'". Here GitHub Actions (exported from npm by `./devportal
 * test` set-up, a legacy plugin) is wired the same broken way, next to Tech
 * Radar (a new-frontend-system plugin with its own sidebar item).
 */
const fixtures = process.env.DEVPORTAL_THIRD_PARTY_DIR ?? path.join(repoRoot, '.devportal/tools/third-party');
const githubActions = path.join(fixtures, 'exported-frontend', 'backstage-community-plugin-github-actions-dynamic');
const techRadar = path.join(fixtures, 'exported-frontend', 'backstage-community-plugin-tech-radar-dynamic');

/** Names an icon, a page and a card GitHub Actions does not export; the icon is shown by a sidebar item. */
const BROKEN_WIRING = {
  appIcons: [{ name: 'brokenIcon', importName: 'NoSuchIcon' }],
  dynamicRoutes: [{ path: '/broken-wiring', importName: 'NoSuchPage', menuItem: { icon: 'brokenIcon', text: 'Broken Wiring' } }],
  mountPoints: [{ mountPoint: 'entity.page.overview/cards', importName: 'NoSuchCard' }],
};

describe('a plugin whose wiring names exports its module lacks, next to good plugins, in a browser', () => {
  let backend: StartedBackend;
  let browser: Browser;
  let page: Page;
  const warnings: string[] = [];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-rhdh-isolation-'));

  before(async () => {
    for (const dir of [githubActions, techRadar]) assert.ok(fs.existsSync(dir), `${dir} is missing: run ./devportal test --e2e once for its set-up`);
    const configDir = pluginConfigDir(work);
    const config = {
      includes: ['bundled.yaml'],
      plugins: [
        { package: githubActions, pluginConfig: { dynamicPlugins: { frontend: { 'backstage-community.plugin-github-actions': BROKEN_WIRING } } } },
        { package: techRadar },
      ],
    };
    const configFile = path.join(configDir, 'dynamic-plugins.yaml');
    fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
    const appConfig = installPlugins(configFile, path.join(work, 'root'), { cwd: configDir });
    [backend, browser] = await Promise.all([startBackend({ withBundledPlugins: false, configFiles: [appConfig] }), launchBrowser()]);
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(30_000);
    page.on('console', message => {
      if (message.type() === 'warning') warnings.push(message.text());
    });
    await signInAsGuest(page, backend.baseUrl);
    await page.getByTestId('home-greeting').waitFor();
  });

  after(async () => {
    await browser?.close();
    await backend?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('renders the whole sidebar, the broken item with a stand-in icon, and warns naming plugin, module and export', async () => {
    const sidebar = page.locator('nav').first();
    // The icon's code is fetched when the sidebar renders; until its load
    // fails the item has no icon, so wait for what comes of that failure.
    const fallback = sidebar.getByRole('link', { name: 'Broken Wiring' }).getByTestId('dynamic-icon-fallback');
    const navCrash = page.getByText("Error in extension 'nav-content:app'").first();
    await fallback
      .or(navCrash)
      .waitFor()
      .catch(async error => {
        await screenshot(page, 'rhdh-wiring-isolation-nav');
        const text = (await page.locator('body').innerText().catch(() => '')).slice(0, 600);
        throw new Error(`the broken item shows neither a fallback icon nor a navigation error: ${text}`, { cause: error });
      });
    await screenshot(page, 'rhdh-wiring-isolation-nav');
    if (await navCrash.isVisible()) assert.fail(`one plugin's icon broke the navigation: ${await navCrash.innerText()}`);
    assert.ok(await sidebar.getByRole('link', { name: 'Tech Radar' }).isVisible(), "the good plugin's item is in the sidebar");
    assert.ok(await sidebar.getByRole('link', { name: 'Catalog', exact: true }).isVisible(), "the app's own items are in the sidebar");
    const expected = /@backstage-community\/plugin-github-actions: icon brokenIcon \(module PluginRoot, export 'NoSuchIcon'\)/;
    assert.ok(warnings.some(w => expected.test(w)), `a console warning names plugin, module and export; warnings: ${warnings.join(' | ')}`);
  });

  it("opens the good plugin's page from the sidebar", async () => {
    await page.locator('nav').first().getByRole('link', { name: 'Tech Radar' }).click();
    await page.getByText('ADOPT').first().waitFor({ timeout: 60_000 });
    assert.equal(new URL(page.url()).pathname, '/tech-radar');
  });

  it("shows the broken plugin's page and card as its own error panels, naming the missing export", async () => {
    await page.goto(`${backend.baseUrl}/broken-wiring`);
    const routePanel = page.getByTestId('dynamic-plugin-error').filter({ hasText: 'NoSuchPage' });
    await routePanel.waitFor({ timeout: 60_000 });
    assert.match(await routePanel.innerText(), /@backstage-community\/plugin-github-actions/);
    assert.ok(await page.locator('nav').first().getByRole('link', { name: 'Tech Radar' }).isVisible(), 'the sidebar stays');

    await page.goto(`${backend.baseUrl}/catalog/default/component/payments-service`);
    const cardPanel = page.getByTestId('dynamic-plugin-error').filter({ hasText: 'NoSuchCard' });
    await cardPanel.waitFor({ timeout: 60_000 });
    await screenshot(page, 'rhdh-wiring-isolation-card');
    assert.ok(await page.getByText('About').first().isVisible(), 'the rest of the entity page renders');
  });
});
