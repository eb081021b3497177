/**
 * A headless Chromium for the ops page (Debian's `chromium`, driven by puppeteer-core): the e2e test
 * (test/e2e/ops-page.e2e-spec.ts) and the demo's screenshots (`npm run demo -- --screenshots`) use the same
 * flags — no sandbox (containers, root), no GPU, and nothing that reaches the network on its own — and a fresh
 * profile directory, removed on close.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface OpsBrowser {
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

export async function launchOpsBrowser(viewport = { width: 1400, height: 1000 }): Promise<OpsBrowser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (scripts/test.sh does it when run as root)`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'omnisync-chromium-'));
  const browser = await puppeteer.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, `--user-data-dir=${userDataDir}`], headless: true, defaultViewport: viewport });
  const page = await browser.newPage();
  return {
    browser,
    page,
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** opens `${base}/ops`, signs in with `key` and waits until every panel has drawn once */
export async function signInToOpsPage(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/ops`, { waitUntil: 'load' });
  await page.type('#key', key);
  await page.click('#sign-in-form button[type=submit]');
  for (const p of ['throughput', 'sla', 'queues', 'breakers', 'shops', 'alerts', 'exceptions']) {
    await page.waitForSelector(`[data-panel="${p}"][data-loaded]`, { timeout: 30_000 });
  }
}
