import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { repoRoot, startBackend, type StartedBackend } from '../support/backend.ts';
import { launchBrowser, screenshot, signInAsGuest } from '../support/browser.ts';
import { installPlugins, pluginConfigDir } from '../support/frontendFixtures.ts';
import { startVerdaccio, type StartedVerdaccio } from '../support/verdaccio.ts';

/**
 * Two ways RHDH users wire frontend plugins that used to fail (issue 16):
 * - a legacy routable extension (`createRoutableExtension`) as the content of
 *   an entity tab, wired with `entityTabs` + `mountPoints` as RHDH's default
 *   config does: GitHub Actions' `EntityGithubActionsContent`, exported from
 *   npm by `./devportal test` set-up. Opening the tab crashed with "Routable
 *   extension component … was not discovered in the app element tree";
 * - an RHDH-format package (`dist-scalprum`) whose config.d.ts augments
 *   `@backstage/config` instead of exporting `Config`, and which ships
 *   `dist-scalprum/configSchema.json` as RHDH reads it: it was not served at
 *   all. Built here from RHDH's JFrog Artifactory package with only its
 *   config.d.ts rewritten that way, installed from npm with its integrity.
 */
const fixtures = process.env.DEVPORTAL_THIRD_PARTY_DIR ?? path.join(repoRoot, '.devportal/tools/third-party');
const githubActions = path.join(fixtures, 'exported-frontend', 'backstage-community-plugin-github-actions-dynamic');

/** Module augmentation, as many RHDH and VeeCode plugins write their schema. */
const AUGMENTED_CONFIG_D_TS = `declare module '@backstage/config' {
  interface Config {
    /** Configurations for the Jfrog Artifactory plugin */
    jfrogArtifactory?: {
      /**
       * The base url of the Jfrog Artifactory instance.
       * @visibility frontend
       */
      proxyPath?: string;
    };
  }
}
export {};
`;

/** RHDH's JFrog Artifactory tarball with its config.d.ts replaced by `AUGMENTED_CONFIG_D_TS`. */
async function augmentedJfrogTarball(work: string): Promise<string> {
  const tar = await import('tar');
  const dir = path.join(fixtures, 'rhdh-frontend');
  const original = fs.readdirSync(dir).find(f => f.endsWith('.tgz'));
  assert.ok(original, `no RHDH frontend tarball in ${dir}: run ./devportal test --e2e once for its set-up`);
  const unpacked = fs.mkdtempSync(path.join(work, 'jfrog-'));
  await tar.extract({ file: path.join(dir, original), cwd: unpacked });
  const pkg = path.join(unpacked, 'package');
  assert.ok(fs.existsSync(path.join(pkg, 'dist-scalprum', 'configSchema.json')), 'the package ships dist-scalprum/configSchema.json');
  fs.writeFileSync(path.join(pkg, 'config.d.ts'), AUGMENTED_CONFIG_D_TS);
  const out = path.join(work, 'jfrog-augmented.tgz');
  await tar.create({ gzip: true, cwd: unpacked, file: out, portable: true }, ['package']);
  return out;
}

describe('RHDH-style wiring of legacy and dist-scalprum frontend plugins in a browser', () => {
  let npm: StartedVerdaccio;
  let backend: StartedBackend;
  let browser: Browser;
  let page: Page;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-rhdh-legacy-'));

  before(async () => {
    assert.ok(fs.existsSync(githubActions), `${githubActions} is missing: run ./devportal test --e2e once for its set-up`);
    npm = await startVerdaccio();
    const jfrog = await npm.publishTarball(await augmentedJfrogTarball(work));

    const configDir = pluginConfigDir(work);
    fs.writeFileSync(path.join(configDir, '.npmrc'), `registry=${npm.url}/\n`);
    const config = {
      includes: ['bundled.yaml'],
      plugins: [
        {
          package: githubActions,
          pluginConfig: {
            dynamicPlugins: {
              frontend: {
                'backstage-community.plugin-github-actions': {
                  // As RHDH's default config wires it, with a built-in condition
                  // instead of the plugin's isGithubActionsAvailable.
                  mountPoints: [
                    {
                      mountPoint: 'entity.page.ci/cards',
                      importName: 'EntityGithubActionsContent',
                      config: { layout: { gridColumn: '1 / -1' }, if: { allOf: [{ isKind: 'component' }] } },
                    },
                  ],
                  entityTabs: [{ path: '/ci', title: 'CI', mountPoint: 'entity.page.ci' }],
                },
              },
            },
          },
        },
        {
          package: `${jfrog.name}@${jfrog.version}`,
          integrity: jfrog.integrity,
          pluginConfig: {
            jfrogArtifactory: { proxyPath: '/jfrog-artifactory/api' },
            dynamicPlugins: {
              frontend: {
                'janus-idp.backstage-plugin-jfrog-artifactory': {
                  mountPoints: [
                    {
                      mountPoint: 'entity.page.image-registry/cards',
                      importName: 'JfrogArtifactoryPage',
                      config: { if: { allOf: [{ hasAnnotation: 'jfrog-artifactory/image-name' }] } },
                    },
                  ],
                },
              },
            },
          },
        },
      ],
    };
    const configFile = path.join(configDir, 'dynamic-plugins.yaml');
    fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
    const appConfig = installPlugins(configFile, path.join(work, 'root'), {
      cwd: configDir,
      env: { ...process.env, NPM_CONFIG_USERCONFIG: path.join(work, 'none') },
    });
    [backend, browser] = await Promise.all([startBackend({ withBundledPlugins: false, configFiles: [appConfig] }), launchBrowser()]);
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(30_000);
    await signInAsGuest(page, backend.baseUrl);
    await page.getByTestId('home-greeting').waitFor();
  });

  after(async () => {
    await browser?.close();
    await backend?.stop();
    await npm?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('opens an entity tab whose content is a legacy routable extension (GitHub Actions) without a routing crash', async () => {
    await page.goto(`${backend.baseUrl}/catalog/default/component/checkout-web`);
    await page.getByText('CI', { exact: true }).click();
    assert.equal(new URL(page.url()).pathname, '/catalog/default/component/checkout-web/ci');
    // The plugin's own router ran: with no github.com/project-slug annotation
    // on the entity it asks for one.
    const content = page.getByText('github.com/project-slug').first();
    const crash = page.getByTestId('dynamic-plugin-error').first();
    await content
      .or(crash)
      .waitFor({ timeout: 60_000 })
      .catch(async error => {
        // The legacy extension's own error boundary shows what crashed.
        await screenshot(page, 'rhdh-legacy-routable-tab');
        const text = (await page.locator('main').first().innerText().catch(() => '')).slice(0, 600);
        throw new Error(`the tab shows neither the plugin's content nor an error panel: ${text}`, { cause: error });
      });
    await screenshot(page, 'rhdh-legacy-routable-tab');
    if (await crash.isVisible()) assert.fail(`the tab shows an error panel: ${await crash.innerText()}`);
    assert.equal(await page.getByText('was not discovered in the app element tree').count(), 0);
  });

  it('serves an RHDH dist-scalprum package whose config.d.ts uses module augmentation, reading dist-scalprum/configSchema.json', async () => {
    const logs = backend.logs();
    assert.doesNotMatch(logs, /janus-idp\/backstage-plugin-jfrog-artifactory is not served/);
    assert.doesNotMatch(logs, /jfrog-artifactory.*config schema cannot be read/);
    await page.goto(`${backend.baseUrl}/catalog/default/component/payments-service`);
    await page.getByText('Image Registry', { exact: true }).click();
    await page.getByText('Jfrog Artifactory repository: acme/payments-service').waitFor({ timeout: 60_000 });
    await screenshot(page, 'rhdh-augmented-schema-jfrog-tab');
    // Its schema marks proxyPath frontend-visible, so the app's page carries it.
    const html = await (await fetch(`${backend.baseUrl}/catalog`)).text();
    assert.match(html, /jfrog-artifactory\/api/);
  });
});
