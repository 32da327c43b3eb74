// Admin → Integrations: a service account gets an API key, shown once, that reads
// bills until it is revoked; a webhook endpoint gets its signing secret once and a
// test message that reaches a receiver of this spec's own (run.sh starts the
// server with WEBHOOK_ALLOW_PRIVATE, so 127.0.0.1 may receive webhooks).
import http from 'node:http';
import { suite, base, adminPassword, expect, signIn } from './harness.mjs';
import { tag } from './api.mjs';

async function noHorizontalScroll(page) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  expect(!wide, 'no horizontal scrolling at 360 px');
}

async function billsWith(key) {
  const res = await fetch(base + '/api/v1/bills', { headers: { Authorization: `Bearer ${key}` } });
  return res.status;
}

// The webhook receiver: records every request and answers 204.
const received = [];
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    received.push({ headers: req.headers, body });
    res.writeHead(204).end();
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;

await suite('integrations', [
  ['a service account key is shown once, reads bills, and stops when revoked', async (page, context) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await signIn(page, 'admin', adminPassword, '/admin');
    await page.getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('heading', { name: 'Service accounts' }).waitFor();

    const name = 'e2e-erp-' + tag().toLowerCase();
    await page.getByText('New service account').click();
    const accountForm = page.getByTestId('new-account');
    await accountForm.getByLabel('Name').fill(name);
    await accountForm.getByLabel('Description').fill('Nightly ERP sync (e2e)');
    await accountForm.getByLabel('Role').selectOption('biller');
    await accountForm.getByRole('button', { name: 'Create' }).click();
    await page.getByTestId('accounts').locator('li').filter({ hasText: name }).filter({ hasText: 'biller' }).waitFor();

    // The new account is picked: its keys panel opens.
    const keys = page.getByTestId('api-keys');
    await keys.getByRole('heading', { name: `API keys of ${name}` }).waitFor();
    await keys.getByText('New API key').click();
    const keyForm = page.getByTestId('new-key-form');
    await keyForm.getByLabel('Name').fill('weighbridge');
    // No scope: the problem shows next to the scopes.
    await keyForm.getByRole('button', { name: 'Create' }).click();
    await keyForm.locator('fieldset .error').filter({ hasText: 'at least one scope' }).waitFor();
    await keyForm.getByLabel('bills:read').check();
    await keyForm.getByRole('button', { name: 'Create' }).click();

    const shown = page.getByTestId('new-key');
    await shown.waitFor();
    const key = await shown.inputValue();
    expect(key.length === 40 && key.startsWith('ttk_'), `a 40-character ttk_ key (${key.length}: ${key.slice(0, 4)}…)`);
    await keys.getByText('it is never shown again').waitFor();
    const item = page.getByTestId('keys').locator('li').filter({ hasText: 'weighbridge' });
    await item.filter({ hasText: `ttk_${key.slice(4, 12)}…` }).filter({ hasText: 'bills:read' }).waitFor();
    expect(!(await page.getByTestId('keys').textContent()).includes(key), 'the list never shows the whole key');

    await keys.getByRole('button', { name: 'Copy' }).click();
    await keys.getByText(/Copied\.|copy it by hand/).waitFor();
    if (await keys.getByText('Copied.').count()) {
      const clip = await page.evaluate(() => navigator.clipboard.readText());
      expect(clip === key, 'the clipboard holds the key');
    } else {
      const selected = await shown.evaluate((el) => el.value.slice(el.selectionStart, el.selectionEnd));
      expect(selected === key, 'the key is selected for copying by hand');
    }
    await page.screenshot({ path: 'artifacts/integrations-key-shown-once.png', fullPage: true });
    await noHorizontalScroll(page);

    expect(await billsWith(key) === 200, 'the key reads bills');
    await item.getByRole('button', { name: 'Revoke' }).click();
    await item.getByRole('button', { name: 'Really revoke' }).click();
    await page.getByTestId('keys').locator('li[data-revoked="true"]').filter({ hasText: 'weighbridge' }).waitFor();
    expect(await billsWith(key) === 401, 'the revoked key is refused');

    // Gone for good: a reload shows the prefix only.
    await page.reload();
    await page.getByTestId('accounts').locator('li').filter({ hasText: name }).getByRole('button', { name: 'Keys' }).click();
    await page.getByTestId('keys').locator('li').filter({ hasText: 'weighbridge' }).waitFor();
    expect(await page.getByTestId('new-key').count() === 0, 'the key is not shown again');
  }],
  ['a webhook endpoint shows its secret once and a test message is delivered', async (page) => {
    await signIn(page, 'admin', adminPassword, '/admin/integrations');
    await page.getByRole('heading', { name: 'Webhook endpoints' }).waitFor();
    await page.getByText('New webhook endpoint').click();
    const form = page.getByTestId('new-webhook');
    // A refused URL: the problem shows next to the field.
    await form.getByLabel('URL').fill('ftp://127.0.0.1/hook');
    await form.getByRole('button', { name: 'Create' }).click();
    await form.locator('label .error').filter({ hasText: 'not http(s)' }).waitFor();

    const about = 'e2e receiver ' + tag();
    await form.getByLabel('URL').fill(hookUrl);
    await form.getByLabel('Description').fill(about);
    await form.getByLabel('bill.completed').check();
    await form.getByRole('button', { name: 'Create' }).click();
    const secret = await page.getByTestId('new-secret').inputValue();
    expect(secret.startsWith('whsec_') && secret.length > 20, 'a whsec_ signing secret');
    await page.getByText('Copy this signing secret now').waitFor();

    const row = page.getByTestId('endpoints').locator('li').filter({ hasText: about });
    await row.filter({ hasText: 'bill.completed' }).filter({ hasText: 'enabled' }).waitFor();
    await row.getByRole('button', { name: 'Send test' }).click();
    await page.getByText('Test message queued.').waitFor();
    const deliveries = page.getByTestId('deliveries');
    await deliveries.locator('li').filter({ hasText: 'webhook.test' }).first().waitFor();
    // The panel follows a pending delivery until the receiver has answered.
    const done = deliveries.locator('li[data-status="succeeded"]').filter({ hasText: 'webhook.test' }).first();
    await done.waitFor({ timeout: 20000 });
    const got = received.find((r) => r.body.includes('webhook.test'));
    expect(got && got.headers['webhook-signature'], 'the receiver got a signed test message');
    expect((await done.textContent()).includes(got.headers['webhook-id']), 'the delivery names the message the receiver got');
    await page.screenshot({ path: 'artifacts/integrations-page.png', fullPage: true });
    await noHorizontalScroll(page);

    // The status filter: no failed deliveries.
    await deliveries.getByLabel('Status').selectOption('failed');
    await deliveries.getByText('No deliveries.').waitFor();
    await deliveries.getByLabel('Status').selectOption({ label: 'All' });
    await deliveries.locator('li').first().waitFor();

    await page.reload();
    await row.waitFor();
    expect(await page.getByTestId('new-secret').count() === 0, 'the secret is not shown again');
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.filter({ hasText: 'disabled' }).waitFor();
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Really delete' }).click();
    await row.waitFor({ state: 'detached' });
  }],
]);

receiver.close();
