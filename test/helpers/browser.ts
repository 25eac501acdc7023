/**
 * Headless Chromium (Debian's /usr/bin/chromium driven by playwright-core) for portal tests: one
 * browser per test file, closed when the test ends; logging in through the real login pages with
 * a TOTP code; reading what an xterm.js terminal on the page shows.
 */
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { generateSync } from 'otplib';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchChromium(t: Pick<TestContext, 'after'>): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
  t.after(() => browser.close());
  return browser;
}

/** A fresh browser context (own cookies) with one page, logged in as `name`; console errors collected. */
export async function loggedInPage(
  browser: Browser,
  base: string,
  name: string,
  user: { password: string; totpSecret: string | null },
): Promise<{ page: Page; consoleErrors: string[] }> {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await ctx.newPage();
  page.setDefaultTimeout(20_000);
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${base}/login`);
  await page.fill('#name', name);
  await page.fill('#password', user.password);
  await Promise.all([page.waitForURL(`${base}/login/mfa`), page.click('button[type=submit]')]);
  await page.fill(
    '#code',
    generateSync({ secret: user.totpSecret ?? '', epoch: Math.floor(Date.now() / 1000) }),
  );
  await Promise.all([
    page.waitForURL(`${base}/`),
    page.click('form[action="/login/mfa"] button[type=submit]'),
  ]);
  return { page, consoleErrors };
}

/** The text of the page's xterm.js buffer (the portal's terminal script exposes it as `airlockTerminal`). */
export function terminalText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const term = (
      globalThis as unknown as {
        airlockTerminal?: {
          buffer: {
            active: {
              length: number;
              getLine(i: number): { translateToString(trim: boolean): string } | undefined;
            };
          };
        };
      }
    ).airlockTerminal;
    if (term === undefined) return '';
    const b = term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < b.length; i++) lines.push(b.getLine(i)?.translateToString(true) ?? '');
    return lines.join('\n');
  });
}

/** Waits until the terminal on the page shows text matching `pattern`; returns the whole text. */
export async function waitForTerminal(
  page: Page,
  pattern: RegExp,
  what: string,
  deadlineMs = 20_000,
): Promise<string> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const text = await terminalText(page);
    if (pattern.test(text)) return text;
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${what}; the terminal shows:\n${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until `#term-status` is in `state`; returns its text. */
export async function waitForTermState(page: Page, state: string): Promise<string> {
  await page.waitForSelector(`#term-status[data-state="${state}"]`);
  return (await page.textContent('#term-status')) ?? '';
}

/**
 * Clicks a form's submit button and waits for the next document: a form may post to the page's own
 * URL (or the same URL twice), so a URL change is no sign the answer has loaded.
 */
export async function submitAndWait(page: Page, submit: Locator): Promise<void> {
  await page.evaluate(() => Object.assign(globalThis, { beforeSubmit: true }));
  await submit.click();
  await page.waitForFunction(() => !('beforeSubmit' in globalThis));
}
