// Profile: two-factor set-up with the QR drawn in the browser, recovery codes,
// and the sign-in TOTP step.
import { createHmac } from 'node:crypto';
import { suite, base, expect } from './harness.mjs';
import { token, api, tag } from './api.mjs';

function base32decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0; const out = [];
  for (const c of s.replace(/=+$/, '')) {
    value = (value << 5) | alphabet.indexOf(c); bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 255); bits -= 8; }
  }
  return Buffer.from(out);
}

function totp(secret, step) {
  const msg = Buffer.alloc(8); msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', base32decode(secret)).update(msg).digest();
  const o = h[19] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}

async function signIn(page, username, password) {
  await page.goto(base + '/login?next=%2Fprofile');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

await suite('profile', [
  ['two-factor set-up, recovery codes, and the sign-in code step', async (page) => {
    const t = await token(page.request);
    const name = 'tfa' + tag().toLowerCase();
    await api(page.request, t, 'POST', '/api/v1/users', { username: name, password: 'profile-pass-123', role: 'biller' });
    await signIn(page, name, 'profile-pass-123');
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    await page.getByTestId('totp-qr').locator('svg').waitFor();
    const secret = (await page.getByTestId('totp-secret').textContent()).trim();
    const step = Math.floor(Date.now() / 30000);
    await page.getByLabel('Code').fill(totp(secret, step));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByTestId('recovery-codes').locator('li').nth(9).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, name, 'profile-pass-123');
    await page.getByLabel('Code').fill(totp(secret, step + 1));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(page.url().endsWith('/profile'), 'signed in with the code');
  }],
]);
