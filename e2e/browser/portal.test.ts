import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startBackend, type StartedBackend } from '../support/backend.ts';
import { launchBrowser, screenshot, signInAsGuest } from '../support/browser.ts';

/**
 * What a new user does first, in a real browser against the started portal:
 * sign in, look around the catalog and docs, create a component from a
 * template and find it in the catalog.
 */
describe('the portal in a browser', () => {
  let backend: StartedBackend;
  let browser: Browser;
  let page: Page;

  before(async () => {
    [backend, browser] = await Promise.all([startBackend(), launchBrowser()]);
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(30_000);
  });

  after(async () => {
    await browser?.close();
    await backend?.stop();
  });

  it('signs in as guest and shows the home page', async () => {
    await signInAsGuest(page, backend.baseUrl);
    // The home page and the header are the bundled dynamic plugins.
    await page.getByTestId('home-greeting').getByText(/, Guest$/).waitFor();
    await page.getByTestId('devportal-header').waitFor();
    await screenshot(page, 'home');
    assert.equal(new URL(page.url()).pathname, '/');
  });

  it('lists the example components in the catalog', async () => {
    await page.goto(`${backend.baseUrl}/catalog`);
    // Catalog ingestion of the example files runs in the background at start.
    await page.getByRole('link', { name: 'Payments Service' }).waitFor({ timeout: 90_000 });
    for (const name of ['Ledger Service', 'Checkout Web']) {
      assert.ok(await page.getByRole('link', { name }).isVisible(), `${name} is listed`);
    }
    await screenshot(page, 'catalog');
  });

  it('shows an entity page with its relations', async () => {
    await page.goto(`${backend.baseUrl}/catalog/default/component/payments-service`);
    await page.getByText('Relations').first().waitFor();
    // The catalog graph draws the related entities as nodes.
    await page.locator('svg text').filter({ hasText: /ledger/i }).first().waitFor();
    await page.getByRole('link', { name: /payments/i }).first().waitFor();
    await screenshot(page, 'entity-page');
  });

  it('renders a TechDocs page of an example component', async () => {
    await page.goto(`${backend.baseUrl}/docs/default/component/payments-service`);
    // TechDocs renders the generated page inside a shadow root (getByRole
    // pierces it) and shows it only once the page's stylesheets have loaded.
    await page.getByRole('heading', { name: 'Payments Service', level: 1 }).waitFor({ timeout: 120_000 });
    await page.getByRole('heading', { name: 'At a glance' }).waitFor();
    assert.ok(await page.getByRole('link', { name: 'Runbook' }).first().isVisible(), 'the docs navigation is shown');
    await screenshot(page, 'techdocs');
  });

  it('runs the node-service template to completion and finds the new component in the catalog', async () => {
    const name = `e2e-service-${Date.now().toString(36)}`;
    await page.goto(`${backend.baseUrl}/create`);
    await page.getByRole('button', { name: /choose/i }).first().click();
    await page.getByLabel(/name/i).first().fill(name);
    await fillOwner(page);
    await page.getByRole('button', { name: /^next|^review/i }).first().click();
    // Some templates have a second page; click through to the review step.
    while (await page.getByRole('button', { name: /^next$/i }).isVisible().catch(() => false)) {
      await page.getByRole('button', { name: /^next$/i }).click();
    }
    await page.getByRole('button', { name: /^create$/i }).click();
    await page.getByRole('link', { name: /open in catalog/i }).waitFor({ timeout: 120_000 });
    await screenshot(page, 'scaffolder-done');
    await page.getByRole('link', { name: /open in catalog/i }).click();
    await page.getByText(name).first().waitFor({ timeout: 60_000 });
    assert.match(page.url(), new RegExp(`/catalog/default/component/${name}`));
  });

  it('loads the dynamic home page and header when opened by IP address instead of localhost', async () => {
    // backend.baseUrl is http://localhost:<port>; the same server, another origin.
    const byIp = backend.baseUrl.replace('//localhost:', '//127.0.0.1:');
    const ipPage = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const pluginFiles: string[] = [];
    ipPage.on('request', request => {
      if (request.url().includes('/.backstage/dynamic-features/remotes/')) pluginFiles.push(request.url());
    });
    try {
      ipPage.setDefaultTimeout(30_000);
      await signInAsGuest(ipPage, byIp);
      await ipPage.getByTestId('home-greeting').getByText(/, Guest$/).waitFor();
      await ipPage.getByTestId('devportal-header').waitFor();
      assert.ok(pluginFiles.length > 0, 'plugin files were requested');
      assert.deepEqual(pluginFiles.filter(url => !url.startsWith(byIp)), [], 'every plugin file comes from the origin the page is at');
    } finally {
      await ipPage.close();
    }
  });
});

/** The owner field is an entity picker: type and take the first suggestion. */
async function fillOwner(page: Page) {
  const owner = page.getByLabel(/owner/i).first();
  if (!(await owner.isVisible().catch(() => false))) return;
  await owner.click();
  await owner.fill('team-payments');
  const option = page.getByRole('option').first();
  if (await option.isVisible({ timeout: 5000 }).catch(() => false)) await option.click();
}
