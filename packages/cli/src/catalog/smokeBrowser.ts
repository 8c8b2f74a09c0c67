import fs from 'node:fs/promises';
import path from 'node:path';
import { frontendVerdict, type FrontendObservation, type SmokeResult, type SmokeSpec } from './verdict';

/** Debian's chromium, as the browser tests use; nothing is downloaded. */
const CHROMIUM = process.env.DEVPORTAL_CHROMIUM ?? '/usr/bin/chromium';
/**
 * What an error boundary around this plugin shows: the loader's failure
 * panel naming it. Other plugins' panels on the same page (a GitHub card
 * without GitHub sign-in, say) are theirs, not this plugin's verdict.
 */
function boundaryOf(page: any, packageName: string) {
  const bare = packageName.split('/').pop()!.replace(/"/g, '');
  return page.locator(`[data-testid="dynamic-plugin-error"][data-plugin*="${bare}"]`).first();
}

export interface FrontendCase {
  id: string;
  /** The package name, to tell this plugin's error panel from others'. */
  packageName: string;
  spec: SmokeSpec;
  status?: { state?: string; reason?: string };
}

/**
 * Opens each frontend entry's page in one headless Chromium session signed
 * in as the guest, and waits for the entry's text outside the sidebar and
 * the entity page's tab bar (which a plugin's nav item or tab title fills
 * before any of its code runs). Screenshots and the page's text go to
 * test-output/catalog/<id>.png and .txt.
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
    // The app bundle is served from packages/app/dist: wait out a rebuild of it.
    await waitForApp(options.baseUrl);
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
          const boundary = boundaryOf(page, c.packageName);
          seen.found = await findText(page, new RegExp(c.spec.text!), boundary);
          // A boundary may appear just after the text (a child crashing): give it a moment.
          await page.waitForTimeout(1500);
          if ((await boundary.count()) > 0) seen.boundary = (await boundary.innerText()).slice(0, 400);
          const shown = await pageText(page);
          if (!seen.found) seen.shown = shown.slice(0, 400);
          await fs.writeFile(path.join(shots, `${c.id}.txt`), `${shown}\n\nlinks: ${(await pageLinks(page)).join(' ')}\n`);
          await page.screenshot({ path: path.join(shots, `${c.id}.png`), fullPage: true });
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

async function waitForApp(baseUrl: string) {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const res = await fetch(baseUrl).catch(() => undefined);
    if (res?.ok && /<script/.test(await res.text())) return;
    if (Date.now() > deadline) throw new Error(`${baseUrl} does not serve the app (HTTP ${res?.status ?? 'no answer'})`);
    await new Promise(r => setTimeout(r, 2000));
  }
}

/** Elements holding app chrome rather than plugin output: the sidebar, the tab bars. */
const CHROME = 'nav, [role="tablist"], [role="navigation"], header';

/** Waits up to 30 s for `text` in a visible element outside the app chrome, or for an error boundary. */
async function findText(page: any, text: RegExp, boundary: any): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const found = await page.evaluate(
      ({ source, flags, chrome }: { source: string; flags: string; chrome: string }) => {
        const re = new RegExp(source, flags);
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const el = node.parentElement;
          if (!el || !re.test(node.textContent ?? '') || el.closest(chrome)) continue;
          const box = el.getBoundingClientRect();
          if (box.width > 0 && box.height > 0) return true;
        }
        return false;
      },
      { source: text.source, flags: text.flags, chrome: CHROME },
    );
    if (found) return true;
    if ((await boundary.count()) > 0) return false;
    await page.waitForTimeout(500);
  }
  return false;
}

/** The page's visible text outside the app chrome, for the reason and the .txt dump. */
async function pageText(page: any): Promise<string> {
  return page.evaluate((chrome: string) => {
    const parts: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      const t = (node.textContent ?? '').trim();
      if (t && el && !el.closest(chrome) && !el.closest('script, style, noscript')) parts.push(t);
    }
    return parts.join(' ').replace(/\s+/g, ' ');
  }, CHROME);
}

/** The app-relative links of the page (tabs, nav items): where a plugin's pages and tabs went, for the .txt dump. */
async function pageLinks(page: any): Promise<string[]> {
  return page.evaluate(() =>
    [...new Set([...document.querySelectorAll('a[href^="/"]')].map(a => `${a.getAttribute('href')}=${(a.textContent ?? '').trim().slice(0, 30)}`))],
  );
}
