// Session end: a warning two minutes before, then a clean return to sign-in that
// keeps queued scans and brings the station back to the same parent.
import { execFileSync } from 'node:child_process';
import { suite, base, adminPassword, expect } from './harness.mjs';
import { token, api, parentId, tag } from './api.mjs';

function sql(statement) {
  execFileSync('psql', [process.env.DATABASE_URL, '-qAtc', statement]);
}

async function signIn(page, next) {
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === next);
}

await suite('session', [
  ['a warning shows two minutes before the session ends', async (page) => {
    await page.goto(base + '/login');
    await signIn(page, '/');
    sql("UPDATE user_session SET expires_at = now() + interval '90 seconds' WHERE revoked_at IS NULL");
    await page.reload();
    await page.getByTestId('expiry-warning').waitFor({ timeout: 15000 });
  }],
  ['after the session ends the station keeps its scans and its parent', async (page) => {
    await page.goto(base + '/login?next=%2Fstation');
    await signIn(page, '/station');
    const parent = parentId();
    await page.keyboard.type(parent, { delay: 5 });
    await page.keyboard.press('Enter');
    await page.getByTestId('counter').filter({ hasText: '0/30' }).waitFor();
    sql("UPDATE user_session SET revoked_at = now(), revoked_reason = 'test' WHERE revoked_at IS NULL");
    const kid = 'X' + tag() + '01';
    await page.keyboard.type(kid, { delay: 5 });
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'session ended' }).waitFor({ timeout: 15000 });
    await signIn(page, '/station');
    await page.getByTestId('parent').filter({ hasText: parent }).waitFor();
    await page.getByTestId('counter').filter({ hasText: '1/30' }).waitFor({ timeout: 20000 });
    const t = await token(page.request);
    const bag = await api(page.request, t, 'GET', `/api/v1/bags/${kid}`);
    expect(bag.body.parent && bag.body.parent.qr_id === parent, 'the queued scan landed in the parent');
  }],
]);
