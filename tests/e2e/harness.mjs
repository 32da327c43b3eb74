// Tiny test harness over playwright-core and Debian's Chromium: named checks,
// a screenshot per check, one summary line.
import { createRequire } from 'node:module';
const require = createRequire(process.env.NODE_PATH + '/');
const { chromium, request: requestFactory } = require('playwright-core');

export const base = process.env.BASE_URL;
export const adminPassword = process.env.ADMIN_PASSWORD;

export async function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

// options.args: more Chromium flags.
export async function suite(name, checks, options = {}) {
  const browser = await launch(options.args || []);
  let passed = 0, failed = 0;
  for (const [title, fn] of checks) {
    const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    if (process.env.E2E_DEBUG) {
      page.on('console', (m) => console.log('    console:', m.text()));
      page.on('response', (r) => { if (r.url().includes('/api/')) console.log('    ', r.status(), r.url()); });
      page.on('requestfailed', (r) => console.log('    failed:', r.url(), r.failure() && r.failure().errorText));
    }
    try {
      await fn(page, context);
      if (errors.length) throw new Error('page errors: ' + errors.join('; '));
      passed++;
      console.log(`  ok   ${name}: ${title}`);
    } catch (e) {
      failed++;
      console.log(`  FAIL ${name}: ${title}\n       ${e.message.split('\n')[0]}\n       at ${page.url()}`);
    } finally {
      const file = `artifacts/${name}-${title.replace(/[^a-z0-9]+/gi, '-')}.png`;
      await page.screenshot({ path: file, fullPage: true }).catch(() => {});
      await context.close();
    }
  }
  await browser.close();
  console.log(`${name}: ${passed} passed, ${failed} failed`);
  if (failed) process.exitCode = 1;
}

export function expect(cond, message) {
  if (!cond) throw new Error(message);
}

// A request context of its own, so API setup never signs the page in.
export async function apiContext() {
  return requestFactory.newContext();
}

/** Signs in through the login page and waits until the app shows the user. */
export async function signIn(page, username, password, next = '/') {
  await page.goto(base + '/login?next=' + encodeURIComponent(next));
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}
