import fs from 'node:fs/promises';
import path from 'node:path';
import { frontendVerdict, type FrontendObservation, type SmokeResult, type SmokeSpec } from './verdict';

/** Debian's chromium, as the browser tests use; nothing is downloaded. */
const CHROMIUM = process.env.DEVPORTAL_CHROMIUM ?? '/usr/bin/chromium';
/** What an error boundary shows: the loader's failure panel, Backstage's error panels. */
const BOUNDARY = '[data-testid="dynamic-plugin-error"], [data-testid="error-panel"]';

export interface FrontendCase {
  id: string;
  spec: SmokeSpec;
  status?: { state?: string; reason?: string };
}

/**
 * Opens each frontend entry's page in one headless Chromium session signed
 * in as the guest, and waits for the entry's text in the page's main
 * content (not the sidebar, which a new-frontend-system plugin's nav item
 * fills before any of its code runs). Screenshots go to
 * test-output/catalog/<id>.png.
 */
export async function smokeFrontends(
  cases: FrontendCase[],
  options: { baseUrl: string; repoRoot: string; log(message: string): void },
): Promise<Map<string, SmokeResult>> {
  const results = new Map<string, SmokeResult>();
  // The e2e workspace's playwright-core: the CLI does not depend on a browser driver of its own.
  const { chromium } = require(require.resolve('playwright-core', { paths: [options.repoRoot, path.join(options.repoRoot, 'e2e')] }));
  const shots = path.join(options.repoRoot, 'test-output', 'catalog');
  await fs.mkdir(shots, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(30_000);
    await page.goto(options.baseUrl);
    await page.getByRole('button', { name: /enter/i }).click();
    await page.getByTestId('home-greeting').waitFor({ timeout: 60_000 });
    for (const c of cases) {
      const seen: FrontendObservation = { ...c.status };
      if (seen.state === 'loaded') {
        try {
          await page.goto(`${options.baseUrl}${c.spec.page}`);
          const main = page.locator('main').first();
          const wanted = main.getByText(new RegExp(c.spec.text!)).first();
          const boundary = page.locator(BOUNDARY).first();
          // Whichever shows first: the plugin's text or an error boundary.
          await Promise.race([wanted.waitFor({ timeout: 30_000 }), boundary.waitFor({ timeout: 30_000 })]).catch(() => {});
          // A boundary may appear just after the text (a child crashing): give it a moment.
          await page.waitForTimeout(1500);
          if ((await boundary.count()) > 0) seen.boundary = (await boundary.innerText()).slice(0, 400);
          seen.found = (await wanted.count()) > 0 && (await wanted.isVisible());
          if (!seen.found) seen.shown = (await main.innerText().catch(() => '')).slice(0, 400);
          await page.screenshot({ path: path.join(shots, `${c.id}.png`) });
        } catch (error) {
          seen.error = (error as Error).message.split('\n')[0];
        }
      }
      const verdict = frontendVerdict(c.spec, seen);
      results.set(c.id, verdict);
      options.log(`  ${c.id}: ${verdict.result}: ${verdict.reason}`);
    }
  } finally {
    await browser.close();
  }
  return results;
}
