import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { repoRoot, startBackend, type StartedBackend } from '../support/backend.ts';
import { launchBrowser, screenshot, signInAsGuest } from '../support/browser.ts';
import { installPlugins, pluginConfigDir } from '../support/frontendFixtures.ts';
import { startRegistry, type StartedRegistry } from '../support/registry.ts';
import { startVerdaccio, type StartedVerdaccio } from '../support/verdaccio.ts';

/**
 * Real frontend plugins nobody here wrote, as a platform team adds them:
 * - Tech Radar (@backstage-community, a new-frontend-system plugin) and
 *   SonarQube (@backstage-community, a legacy plugin with an entity card),
 *   exported with `devportal plugin export --from-npm` (by `./devportal test`
 *   set-up), published to the local OCI registry and npm registry;
 * - JFrog Artifactory (janus-idp), as RHDH publishes it: `dist-scalprum`,
 *   installed unchanged from npm and wired with RHDH's config keys.
 * All installed through dynamic-plugins.yaml and checked in Chromium.
 */
const fixtures = process.env.DEVPORTAL_THIRD_PARTY_DIR ?? path.join(repoRoot, '.devportal/tools/third-party');
const cli = path.join(repoRoot, 'packages/cli/bin/devportal-cli');
const exported = (folder: string) => path.join(fixtures, 'exported-frontend', folder);

describe('third-party frontend plugins in a browser', () => {
  let npm: StartedVerdaccio;
  let oci: StartedRegistry;
  let backend: StartedBackend;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-third-party-frontend-'));

  before(async () => {
    [npm, oci] = await Promise.all([startVerdaccio(), startRegistry()]);
    fs.writeFileSync(path.join(work, '.npmrc'), `//127.0.0.1:${new URL(npm.url).port}/:_authToken=${npm.token}\n`);
    const image = `oci://${oci.host}/community/frontend:1.0.0`;
    execFileSync(process.execPath, [cli, 'plugin', 'publish', '--oci', image, exported('backstage-community-plugin-tech-radar-dynamic')]);
    const sonar = JSON.parse(
      execFileSync(process.execPath, [cli, 'plugin', 'publish', '--npm', npm.url, '--json', exported('backstage-community-plugin-sonarqube-dynamic')], { cwd: work }).toString(),
    ).packages[0];
    const jfrogTarball = fs.readdirSync(path.join(fixtures, 'rhdh-frontend')).find(f => f.endsWith('.tgz'))!;
    const jfrog = await npm.publishTarball(path.join(fixtures, 'rhdh-frontend', jfrogTarball));

    // DevPortal's bundled plugins (home, header, …) plus the third-party ones.
    const configDir = pluginConfigDir(work);
    fs.writeFileSync(path.join(configDir, '.npmrc'), `registry=${npm.url}/\n`);
    const config = {
      includes: ['bundled.yaml'],
      plugins: [
        { package: `${image}!backstage-community-plugin-tech-radar-dynamic` },
        {
          package: `@backstage-community/plugin-sonarqube@${sonar.version}`,
          integrity: sonar.integrity,
          pluginConfig: {
            dynamicPlugins: {
              frontend: {
                'backstage-community.plugin-sonarqube': {
                  mountPoints: [
                    {
                      mountPoint: 'entity.page.overview/cards',
                      importName: 'EntitySonarQubeCard',
                      config: { if: { allOf: [{ hasAnnotation: 'sonarqube.org/project-key' }] } },
                    },
                  ],
                },
              },
            },
          },
        },
        {
          package: `@janus-idp/backstage-plugin-jfrog-artifactory@${jfrog.version}`,
          integrity: jfrog.integrity,
          pluginConfig: {
            dynamicPlugins: {
              frontend: {
                'janus-idp.backstage-plugin-jfrog-artifactory': {
                  mountPoints: [
                    {
                      mountPoint: 'entity.page.image-registry/cards',
                      importName: 'JfrogArtifactoryPage',
                      config: { layout: { gridColumn: '1 / -1' }, if: { allOf: [{ hasAnnotation: 'jfrog-artifactory/image-name' }, 'isJfrogArtifactoryAvailable'] } },
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
    // The project .npmrc points npm packages at verdaccio.
    const appConfig = installPlugins(configFile, path.join(work, 'root'), {
      cwd: configDir,
      env: { ...process.env, NPM_CONFIG_USERCONFIG: path.join(work, 'none') },
    });
    [backend, browser] = await Promise.all([startBackend({
        withBundledPlugins: false,
        configFiles: [appConfig],
        // A dynamic new-frontend-system plugin is configured like a static one.
        config: { app: { extensions: [{ 'page:tech-radar': { config: { pageTitle: 'Our Technology Radar' } } }] } },
      }), launchBrowser()]);
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(30_000);
    page.on('request', request => requests.push(request.url()));
    await signInAsGuest(page, backend.baseUrl);
    await page.getByTestId('home-greeting').waitFor();
  });

  after(async () => {
    await browser?.close();
    await backend?.stop();
    await Promise.all([npm?.stop(), oci?.stop()]);
  });

  it('shows the Tech Radar page (new frontend system, from OCI) from its sidebar item, fetching its code only then', async () => {
    const techRadarCode = (url: string) => url.includes('/remotes/%40backstage-community%2Fplugin-tech-radar/');
    assert.ok(!requests.some(techRadarCode), 'nothing of Tech Radar is fetched for the home page');
    await page.getByRole('link', { name: 'Tech Radar' }).click();
    // Its page title comes from app.extensions config, applied by its own code on first render.
    await page.getByText('Our Technology Radar').waitFor();
    assert.ok(requests.some(techRadarCode), 'its code is fetched when its page renders');
    await page.getByText('ADOPT').first().waitFor();
    assert.equal(new URL(page.url()).pathname, '/tech-radar');
    await screenshot(page, 'third-party-tech-radar');
  });

  it('shows the SonarQube card (legacy, from npm) on an entity with its annotation only', async () => {
    await page.goto(`${backend.baseUrl}/catalog/default/component/payments-service`);
    await page.getByText('Code Quality').first().waitFor({ timeout: 60_000 });
    assert.equal(await page.getByTestId('dynamic-plugin-error').count(), 0);
    await page.goto(`${backend.baseUrl}/catalog/default/component/checkout-web`);
    await page.getByText('The customer-facing checkout pages').first().waitFor({ timeout: 60_000 });
    assert.equal(await page.getByText('Code Quality').count(), 0);
  });

  it('shows the JFrog Artifactory tab (RHDH dist-scalprum, unchanged) on an entity with its annotation only', async () => {
    await page.goto(`${backend.baseUrl}/catalog/default/component/payments-service`);
    await page.getByText('Image Registry', { exact: true }).click();
    await page.getByText('Jfrog Artifactory repository: acme/payments-service').waitFor({ timeout: 60_000 });
    await screenshot(page, 'third-party-jfrog-tab');
    await page.goto(`${backend.baseUrl}/catalog/default/component/checkout-web`);
    await page.getByText('The customer-facing checkout pages').first().waitFor({ timeout: 60_000 });
    assert.equal(await page.getByText('Image Registry', { exact: true }).count(), 0);
  });
});
