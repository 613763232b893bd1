// What the headless-Chromium tests in test/browser/ share, so that every one of them runs the browser, sizes
// its pages and checks its screenshots the same way.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core';

// Debian's package, not a browser playwright downloads: the tests run offline and on the distribution's build.
export const CHROMIUM = '/usr/bin/chromium';
export const WAIT = 15_000;

// This file compiles to <dist>/test/support/browser.js, so the repository is three levels up whatever <dist> is.
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Where a screenshot is kept after the run (test-artifacts/ at the repository root), for people to look at. */
export const artifactPath = (name: string) => `${REPO_ROOT}test-artifacts/${name}`;

export const byTestId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);

/** The data-testid (or tag name) of the focused element. These callbacks run in the page (no DOM types here). */
export const activeTestId = (page: Page) =>
  page.evaluate(() => {
    const active = (globalThis as any).document.activeElement;
    return (active?.getAttribute('data-testid') ?? active?.tagName ?? null) as string | null;
  });

/** Fails with what to install rather than letting the launch fail with a bare ENOENT. */
export function assertChromium(): void {
  assert.ok(
    existsSync(CHROMIUM),
    `Chromium is missing at ${CHROMIUM}: the browser tests need Debian's chromium package ` +
      '(apt-get install -y chromium; .ci/run installs it). No browser is downloaded.',
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // No sandbox and no GPU in containers; no background requests that could reach outside the test.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: WAIT,
  });
}

/**
 * A page in a context of its own, so that sessions do not share cookies or storage. Uncaught page errors go
 * to `errors`, which the tests expect to stay empty.
 */
export async function openPage(
  browser: Browser,
  errors: string[],
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  // 1280×800 is what checkScreenshot expects of every screenshot.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.setDefaultNavigationTimeout(WAIT);
  page.on('pageerror', (error) => errors.push(String(error)));
  return { context, page };
}

/** For `after` hooks: a failure to close must not hide the test's own failure. */
export async function closeChromium(
  browser: Browser | undefined,
  contexts: Iterable<BrowserContext | undefined>,
): Promise<void> {
  for (const context of contexts) await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
}

/** Checks a saved screenshot is a real 1280-wide PNG; resolves with its bytes for further checks. */
export async function checkScreenshot(path: string): Promise<Buffer> {
  assert.ok(existsSync(path), path);
  const png = await readFile(path);
  assert.ok((await stat(path)).size > 20_000, `a real screenshot, not a blank: ${png.length} bytes`);
  assert.deepEqual(
    [...png.subarray(0, 8)],
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    'PNG signature',
  );
  assert.equal(png.readUInt32BE(16), 1280, 'width');
  assert.ok(png.readUInt32BE(20) >= 800, `height ${png.readUInt32BE(20)}`);
  return png;
}

export async function screenshot(page: Page, path: string): Promise<Buffer> {
  await mkdir(dirname(path), { recursive: true });
  // Let the fonts and layout settle (no spinner or half-drawn table in the artifact).
  await page.evaluate(() => (globalThis as any).document.fonts.ready);
  await page.screenshot({ path, fullPage: true, timeout: WAIT });
  return checkScreenshot(path);
}

/** Signs in with the keyboard only and waits for the landing page at `landing`. */
export async function signIn(page: Page, baseUrl: string, email: string, password: string, landing: string) {
  await page.goto(`${baseUrl}/`);
  await byTestId(page, 'login-email').waitFor({ state: 'visible', timeout: WAIT });
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.waitForURL((url) => url.pathname === landing, { timeout: WAIT });
  assert.equal((await byTestId(page, 'current-user').innerText()).trim(), email);
}
