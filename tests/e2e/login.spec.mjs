// Sign-in, staying signed in across reloads, sign-out, deep links.
import { suite, base, adminPassword, expect } from './harness.mjs';

async function signIn(page, username, password) {
  await page.goto(base + '/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

await suite('login', [
  ['wrong password shows a plain message', async (page) => {
    await signIn(page, 'admin', 'not-the-password');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect((await alert.textContent()).includes('Wrong username or password'), 'message shown');
  }],
  ['sign in shows the user from /auth/me and survives a reload', async (page) => {
    await signIn(page, 'admin', adminPassword);
    const card = page.getByTestId('me');
    await card.waitFor();
    expect((await card.textContent()).includes('admin'), 'user shown');
    await page.reload();
    await page.getByTestId('me').waitFor({ timeout: 5000 });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(base + '/');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  }],
  ['unknown pages are friendly and /api never serves HTML', async (page) => {
    await page.goto(base + '/no/such/page');
    await page.getByRole('link', { name: 'Go to the start page' }).waitFor();
    const res = await page.request.get(base + '/api/v1/nope');
    expect(res.status() === 401 || res.status() === 404, 'problem status');
    expect(res.headers()['content-type'].includes('problem+json'), 'problem document');
  }],
  ['swagger ui renders offline', async (page) => {
    await page.goto(base + '/api/docs/');
    await page.getByText('TraceTrack API').first().waitFor({ timeout: 10000 });
  }],
]);
