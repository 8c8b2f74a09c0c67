import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { repoRoot, startBackend, type StartedBackend } from '../support/backend.ts';
import { launchBrowser, screenshot, signInAsGuest } from '../support/browser.ts';
import { exportFrontendFixture, installPlugins, pluginConfigDir } from '../support/frontendFixtures.ts';

/**
 * Dynamic frontend plugins in a real browser: DevPortal's bundled home and
 * header, a new-frontend-system plugin (page + sidebar item) and a legacy
 * plugin wired by RHDH-style config (route, entity card and tab with
 * conditions, home card), each exported with `devportal plugin export` and
 * installed by the real installer. Broken plugins show an error panel naming
 * them while the rest of the page works.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-frontend-e2e-'));

const legacyWiring = {
  dynamicPlugins: {
    frontend: {
      'devportal-fixtures.plugin-legacy-demo': {
        dynamicRoutes: [
          {
            path: '/legacy-demo',
            importName: 'LegacyDemoPage',
            menuItem: { icon: 'dashboard', text: 'Legacy Demo' },
            config: { props: { greeting: 'Hello from the wiring config' } },
          },
          { path: '/legacy-hidden', importName: 'LegacyDemoHiddenPage', menuItem: { icon: 'dashboard', text: 'Hidden Demo' } },
          { path: '/legacy-grouped', importName: 'LegacyDemoHomeCard', menuItem: { icon: 'dashboard', text: 'Grouped Demo' } },
        ],
        menuItems: {
          LegacyDemoHiddenPage: { enabled: false },
          // A group (no route of its own) ordered first by priority, and an item nested under it.
          zetaDemos: { title: 'Zeta Demos', icon: 'dashboard', priority: 100 },
          LegacyDemoHomeCard: { parent: 'zetaDemos' },
        },
        mountPoints: [
          {
            mountPoint: 'entity.page.overview/cards',
            importName: 'LegacyDemoEntityCard',
            config: { if: { allOf: [{ isKind: 'component' }, { isType: 'service' }] } },
          },
          {
            mountPoint: 'entity.page.overview/cards',
            importName: 'LegacyDemoBrokenCard',
            config: { if: { allOf: [{ isKind: 'component' }, { isType: 'service' }] } },
          },
          {
            mountPoint: 'entity.page.demo/cards',
            importName: 'LegacyDemoTabContent',
            config: { if: { allOf: [{ isType: 'service' }, 'isPaymentsEntity'] } },
          },
          { mountPoint: 'home.page/cards', importName: 'LegacyDemoHomeCard' },
        ],
        entityTabs: [{ path: '/demo', title: 'Demo Tab', mountPoint: 'entity.page.demo' }],
        scaffolderFieldExtensions: [{ importName: 'LegacyDemoFieldExtension' }],
        // Described in the plugin's extension manifest: registered without its code.
        apiFactories: [{ importName: 'legacyDemoApiFactory' }],
        routeBindings: {
          targets: [{ importName: 'legacyDemoPlugin' }],
          bindings: [{ bindTarget: 'legacyDemoPlugin.externalRoutes', bindMap: { catalogIndex: 'catalogPlugin.routes.catalogIndex' } }],
        },
      },
      // Wiring for a plugin that is not installed: its route must show an
      // error panel, not a blank page.
      'devportal-fixtures.plugin-not-installed': {
        dynamicRoutes: [{ path: '/missing-demo', importName: 'MissingPage' }],
      },
    },
  },
};

/** The example catalog plus a template whose form uses the legacy demo's scaffolder field. */
const catalogWithFieldDemo = [
  { type: 'file', target: path.join(repoRoot, 'catalog/examples/entities.yaml') },
  { type: 'file', target: path.join(repoRoot, 'catalog/examples/org.yaml'), rules: [{ allow: ['User', 'Group'] }] },
  { type: 'file', target: path.join(repoRoot, 'e2e/fixtures/frontend-plugins/templates/field-demo.yaml'), rules: [{ allow: ['Template'] }] },
];

function writeYaml(dir: string, body: object) {
  const file = path.join(dir, 'dynamic-plugins.yaml');
  fs.writeFileSync(file, JSON.stringify(body, null, 2)); // JSON is YAML
  return file;
}

describe('dynamic frontend plugins in a browser', () => {
  let backend: StartedBackend;
  let browser: Browser;
  let page: Page;
  let legacyDir: string;
  let nfsDir: string;
  const requests: string[] = [];

  before(async () => {
    legacyDir = exportFrontendFixture('legacy-demo', path.join(work, 'exported'));
    nfsDir = exportFrontendFixture('nfs-demo', path.join(work, 'exported'));
    // The same remote, as if built against React 17: the app must refuse it.
    const oldReactDir = path.join(work, 'exported', 'nfs-demo-react17');
    fs.cpSync(nfsDir, oldReactDir, { recursive: true });
    const oldReactPkg = JSON.parse(fs.readFileSync(path.join(oldReactDir, 'package.json'), 'utf8'));
    oldReactPkg.name = '@devportal-fixtures/plugin-nfs-demo-react17';
    oldReactPkg.devportal.compatibility.shared.react = '17.0.2';
    fs.writeFileSync(path.join(oldReactDir, 'package.json'), JSON.stringify(oldReactPkg));
    const configDir = pluginConfigDir(work);
    const configFile = writeYaml(configDir, {
      includes: [path.join(configDir, 'bundled.yaml')],
      plugins: [
        { package: nfsDir },
        { package: oldReactDir },
        { package: legacyDir, pluginConfig: legacyWiring },
      ],
    });
    const appConfig = installPlugins(configFile, path.join(work, 'root'));
    [backend, browser] = await Promise.all([
      startBackend({ withBundledPlugins: false, configFiles: [appConfig], config: { catalog: { locations: catalogWithFieldDemo } } }),
      launchBrowser(),
    ]);
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(30_000);
    page.on('request', request => requests.push(request.url()));
  });

  after(async () => {
    await browser?.close();
    await backend?.stop();
  });

  it('renders the home page and header from the bundled dynamic plugins', async () => {
    await signInAsGuest(page, backend.baseUrl);
    await page.getByTestId('home-greeting').getByText(/, Guest$/).waitFor();
    await page.getByTestId('home-catalog-summary').getByText(/Component · \d+/).waitFor();
    await page.getByTestId('home-quick-links').getByRole('link', { name: 'Software catalog' }).waitFor();
    await page.getByTestId('devportal-header').getByTestId('header-logo').waitFor();
    // Another plugin's card, through the home page's mount point.
    await page.getByTestId('legacy-demo-home-card').waitFor();
    for (const plugin of ['plugin-home', 'plugin-header']) {
      assert.ok(
        requests.some(url => url.includes(`/.backstage/dynamic-features/remotes/%40devportal%2F${plugin}/remoteEntry.js`)),
        `${plugin} was loaded as a remote`,
      );
    }
    await screenshot(page, 'home');
  });

  it('fetches a legacy plugin only when one of its routes or mount points renders', async () => {
    requests.length = 0;
    await page.goto(`${backend.baseUrl}/catalog`);
    await page.getByRole('link', { name: 'Payments Service' }).waitFor({ timeout: 90_000 });
    assert.ok(!requests.some(url => url.includes('plugin-legacy-demo')), 'no legacy-demo code on the catalog page');
    await page.getByRole('link', { name: 'Legacy Demo' }).click();
    await page.getByTestId('legacy-demo-page').getByText('Hello from the wiring config').waitFor();
    assert.equal(new URL(page.url()).pathname, '/legacy-demo');
    assert.ok(requests.some(url => url.includes('plugin-legacy-demo')), 'legacy-demo code fetched on its route');
    // The API its apiFactories wiring registered at boot without its code is the real one now.
    await page.getByTestId('legacy-demo-motto').getByText('Motto from an API factory in the wiring').waitFor();
    // Its external route, bound by routeBindings to the catalog's index page.
    assert.equal(await page.getByTestId('legacy-demo-catalog-link').getAttribute('href'), '/catalog');
    // menuItems enabled: false hides the item; the route still answers.
    assert.equal(await page.getByRole('link', { name: 'Hidden Demo' }).count(), 0);
    await page.goto(`${backend.baseUrl}/legacy-hidden`);
    await page.getByTestId('legacy-demo-hidden-page').waitFor();
  });

  it('refuses a remote built against another major of a shared singleton, with a visible message', async () => {
    const failures = page.getByTestId('dynamic-plugin-failures').first();
    await failures.waitFor();
    const text = await failures.innerText();
    assert.match(text, /@devportal-fixtures\/plugin-nfs-demo-react17/);
    assert.match(text, /react 17\.0\.2 \(the app has 18\./);
  });

  it('reaches a new-frontend-system plugin page from the sidebar, fetching its code only then', async () => {
    const nfsRemote = (url: string) => url.includes('/remotes/%40devportal-fixtures%2Fplugin-nfs-demo/');
    assert.ok(!requests.some(nfsRemote), 'nothing of the plugin is fetched before its page renders');
    await page.getByRole('link', { name: 'NFS Demo' }).click();
    await page.getByTestId('nfs-demo-page').waitFor();
    assert.equal(new URL(page.url()).pathname, '/nfs-demo');
    assert.ok(requests.some(nfsRemote), 'the plugin is fetched when its page renders');
    // Its own API and its own route ref work in code the app was not built with.
    await page.getByTestId('nfs-demo-api').getByText('Greetings, dynamic world').waitFor();
    assert.equal(await page.getByTestId('nfs-demo-self-link').getAttribute('href'), '/nfs-demo');
  });

  it("orders and nests sidebar items by the wiring's menuItems priority and parent", async () => {
    const sidebar = page.locator('nav').first();
    const group = sidebar.getByText('Zeta Demos', { exact: true });
    const legacy = sidebar.getByRole('link', { name: 'Legacy Demo' });
    const [groupBox, legacyBox] = [await group.boundingBox(), await legacy.boundingBox()];
    assert.ok(groupBox && legacyBox && groupBox.y < legacyBox.y, 'the priority 100 group comes before items without priority');
    assert.equal(await sidebar.getByRole('link', { name: 'Grouped Demo' }).count(), 0, 'the nested item is not a top-level item');
    await group.hover();
    await page.getByRole('link', { name: 'Grouped Demo' }).click();
    await page.getByTestId('legacy-demo-home-card').waitFor();
    assert.equal(new URL(page.url()).pathname, '/legacy-grouped');
  });

  it('shows the dynamic entity card and tab only on matching entities, and isolates a broken card', async () => {
    await page.goto(`${backend.baseUrl}/catalog/default/component/payments-service`);
    await page.getByTestId('legacy-demo-card').getByText('payments-service').waitFor({ timeout: 60_000 });
    // The broken card names its plugin; the page around it still works.
    const broken = page.getByTestId('dynamic-plugin-error').filter({ hasText: 'broken on purpose' });
    await broken.waitFor();
    assert.match(await broken.innerText(), /@devportal-fixtures\/plugin-legacy-demo/);
    assert.ok(await page.getByText('About').first().isVisible(), 'the rest of the entity page renders');
    await page.getByText('Demo Tab', { exact: true }).click();
    await page.getByTestId('legacy-demo-tab').getByText('Component payments-service').waitFor();
    await screenshot(page, 'entity-dynamic-tab');

    // A website: neither the service card nor the service-only tab.
    await page.goto(`${backend.baseUrl}/catalog/default/component/checkout-web`);
    await page.getByText('The customer-facing checkout pages').first().waitFor({ timeout: 60_000 });
    await page.getByText('Overview', { exact: true }).first().waitFor();
    assert.equal(await page.getByText('Demo Tab', { exact: true }).count(), 0);
    assert.equal(await page.getByTestId('legacy-demo-card').count(), 0);
  });

  it("renders a scaffolder form field from a legacy plugin's scaffolderFieldExtensions wiring", async () => {
    await page.goto(`${backend.baseUrl}/create/templates/default/field-demo`);
    await page.getByTestId('legacy-demo-field').fill('typed into a dynamic field');
    assert.equal(await page.getByTestId('legacy-demo-field').inputValue(), 'typed into a dynamic field');
  });

  it('keeps starred and recently visited entities on the home page, and has a working user menu', async () => {
    await page.goto(`${backend.baseUrl}/catalog/default/component/ledger-service`);
    await page.getByRole('button', { name: 'Add to favorites' }).click();
    await page.getByRole('button', { name: /remove from favorites/i }).waitFor();
    await page.getByTestId('header-logo').click();
    await page.getByTestId('home-starred').getByRole('link', { name: 'ledger-service' }).waitFor();
    await page.getByTestId('home-recent').getByRole('link', { name: 'ledger-service' }).waitFor();
    await page.getByTestId('header-user-menu').click();
    await page.getByRole('menuitem', { name: 'Settings' }).click();
    await page.waitForURL(/\/settings/);
  });

  it('shows an error panel for a page that throws and for a plugin whose remote is missing', async () => {
    await page.goto(`${backend.baseUrl}/nfs-broken`);
    await page.getByText('the NFS demo page is broken on purpose').first().waitFor();
    assert.ok(await page.getByTestId('devportal-header').isVisible(), 'the header still renders');

    await page.goto(`${backend.baseUrl}/missing-demo`);
    const panel = page.getByTestId('dynamic-plugin-error');
    await panel.waitFor();
    assert.match(await panel.innerText(), /devportal-fixtures\.plugin-not-installed/);
    assert.match(await panel.innerText(), /not served/);
    assert.ok(await page.getByRole('link', { name: 'Catalog' }).first().isVisible(), 'the sidebar still works');
  });
});

describe('dynamic frontend plugins disabled or broken', () => {
  let backend: StartedBackend;
  let browser: Browser;

  before(async () => {
    const nfsDir = exportFrontendFixture('nfs-demo', path.join(work, 'exported-2'));
    const legacyDir = exportFrontendFixture('legacy-demo', path.join(work, 'exported-2'));
    // The remote's code is gone after install (a bad upload, a disk problem).
    for (const file of fs.readdirSync(path.join(nfsDir, 'dist/static'))) {
      if (file.startsWith('__federation_expose')) fs.rmSync(path.join(nfsDir, 'dist/static', file));
    }
    const configDir = pluginConfigDir(work);
    const configFile = writeYaml(configDir, {
      includes: [path.join(configDir, 'bundled.yaml')],
      plugins: [
        { package: './dynamic-plugins/dist/devportal-plugin-home-dynamic', disabled: true },
        { package: nfsDir },
        // No pluginConfig: the wiring it ships in app-config.dynamic.yaml
        // applies (a route whose sidebar icon is one of its own appIcons, so
        // fetched with the sidebar on every page, and an API factory).
        { package: legacyDir },
      ],
    });
    const appConfig = installPlugins(configFile, path.join(work, 'root-2'));
    [backend, browser] = await Promise.all([
      startBackend({ withBundledPlugins: false, configFiles: [appConfig] }),
      launchBrowser(),
    ]);
  });

  after(async () => {
    await browser?.close();
    await backend?.stop();
  });

  it('falls back to a plain home page when home is disabled, and names a plugin whose code is missing', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(30_000);
    await signInAsGuest(page, backend.baseUrl);
    await page.getByTestId('fallback-home').waitFor();
    assert.equal(await page.getByTestId('devportal-home').count(), 0);
    // Its code is fetched when its page renders: the page names it.
    await page.getByRole('link', { name: 'NFS Demo' }).click();
    const panel = page.getByTestId('dynamic-plugin-error');
    await panel.waitFor();
    assert.match(await panel.innerText(), /@devportal-fixtures\/plugin-nfs-demo/);
    // The header is still enabled and the app works around the failure.
    await page.getByTestId('devportal-header').waitFor();
    await page.getByRole('link', { name: 'Catalog' }).first().click();
    await page.getByRole('link', { name: 'Payments Service' }).waitFor({ timeout: 90_000 });
  });

  it('applies the wiring a legacy plugin ships: its appIcons and apiFactories', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(30_000);
    await signInAsGuest(page, backend.baseUrl);
    const item = page.getByRole('link', { name: 'Legacy Demo' });
    // (Attached, not visible: the sidebar sizes icons for SVGs.)
    await item.getByTestId('legacy-demo-icon').waitFor({ state: 'attached' });
    await item.click();
    await page.getByTestId('legacy-demo-motto').getByText('Motto from an API factory in the wiring').waitFor();
  });
});
