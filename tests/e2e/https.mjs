// Production mode over HTTPS under a non-localhost name (tests/e2e/https.sh): the
// service worker registers, the session (a Secure cookie) survives a reload and the
// switch between the floor and office builds, and the station opens offline after a
// reload. Plain HTTP under that name is sent to HTTPS.
import http from 'node:http';
import { suite, adminPassword, expect } from './harness.mjs';

const https = process.env.E2E_HTTPS_URL;
const httpPort = new URL(process.env.BASE_URL).port;
const args = [
  '--host-resolver-rules=MAP tt.test 127.0.0.1',
  `--ignore-certificate-errors-spki-list=${process.env.E2E_SPKI}`,
];

async function signIn(page, next) {
  await page.goto(https + '/login?next=' + encodeURIComponent(next));
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

await suite('https', [
  ['plain http under the LAN name is redirected to https', async () => {
    const res = await new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: httpPort, path: '/station', headers: { Host: `tt.test:${httpPort}` } }, resolve)
        .on('error', reject);
    });
    res.resume();
    expect(res.statusCode === 308, `status ${res.statusCode}`);
    expect(res.headers.location === `${https}/station`, `location ${res.headers.location}`);
  }],
  ['a secure context: service worker, Secure session cookie, reloads and both builds', async (page, context) => {
    await signIn(page, '/');
    expect(await page.evaluate(() => window.isSecureContext), 'a secure context');
    await page.evaluate(() => navigator.serviceWorker.ready);
    const cookies = await context.cookies();
    expect(cookies.length > 0 && cookies.every((c) => c.secure), `Secure cookies: ${JSON.stringify(cookies.map((c) => [c.name, c.secure]))}`);
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.evaluate(() => !!navigator.serviceWorker.controller), 'the reloaded page is controlled by the service worker');
    // The office build (another HTML page) and back to the floor build.
    await page.goto(https + '/bags');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.goto(https + '/station');
    await page.getByTestId('state').filter({ hasText: 'SCAN' }).waitFor();
  }],
  ['the station opens offline after a reload', async (page, context) => {
    await signIn(page, '/station');
    await page.getByTestId('state').filter({ hasText: 'SCAN' }).waitFor();
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await page.getByTestId('state').filter({ hasText: 'SCAN' }).waitFor();
    await context.setOffline(true);
    await page.reload();
    await page.getByTestId('state').filter({ hasText: 'SCAN' }).waitFor({ timeout: 15000 });
    await context.setOffline(false);
  }],
], { args });
