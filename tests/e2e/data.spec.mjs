// Imports with progress and row errors, exports as files, the live dashboard on
// the event stream, and the friendly server-error page.
import { readFile } from 'node:fs/promises';
import { suite, base, adminPassword, expect, signIn } from './harness.mjs';
import { token, api, parentId, tag } from './api.mjs';

await suite('data', [
  ['an imported batch sheet packs its batches and lists the row that failed', async (page) => {
    const [p1, p2] = [parentId(), parentId()];
    const t = tag();
    const sheet = [
      'Batch sheet,', 'Sr. No.,QR Code',
      `1,LABEL NO. IM${t}01`, `2,LABEL NO. IM${t}02`, `3,${p1}`,
      `4,LABEL NO. IM${t}03`, `5,${p2}`,
      `Bill No. IMP-${t},`,
      `6,LABEL NO. IM${t}04`,
    ].join('\n');
    await signIn(page, 'admin', adminPassword, '/admin/imports');
    await page.locator('input[name=file]').setInputFiles({ name: 'batch.csv', mimeType: 'text/csv', buffer: Buffer.from(sheet) });
    await page.getByLabel('If a row has a problem').selectOption('best_effort');
    await page.getByRole('button', { name: 'Start import' }).click();
    await page.waitForURL(/\/admin\/imports\/\d+$/);
    await page.locator('[data-testid=import-job][data-status=succeeded]').waitFor();
    const errors = await page.getByTestId('import-errors').textContent();
    const row = await page.locator('[data-testid=import-errors] td').first().textContent();
    expect(row === '9' && errors.includes('no_parent'), `the last child's row (9) is listed: ${errors}`);
    await page.screenshot({ path: 'artifacts/data-import-detail.png', fullPage: true });
    const tok = await token(page.request);
    const bag = await api(page.request, tok, 'GET', `/api/v1/bags/${p1}`);
    expect(bag.body.bag.child_count === 2, 'two children packed into the first parent');
    expect(bag.body.bill && bag.body.bill.bill_number === `IMP-${t}`, 'the parent is on the named bill');
    await page.goto(base + '/admin/imports');
    await page.getByTestId('imports').filter({ hasText: 'batch.csv' }).waitFor();
  }],
  ['exports download as CSV and as Excel', async (page) => {
    await signIn(page, 'admin', adminPassword, '/admin/exports');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.locator('[data-export="bags.csv"]').click()]);
    const text = await readFile(await csv.path(), 'utf8');
    expect(csv.suggestedFilename() === 'bags.csv', csv.suggestedFilename());
    expect(text.startsWith('qr_id,role,format_code,status'), `CSV header: ${text.slice(0, 60)}`);
    expect(text.split('\n').length > 2, 'rows follow the header');
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.locator('[data-export="scans.xlsx"]').click()]);
    const bytes = await readFile(await xlsx.path());
    expect(bytes.subarray(0, 2).toString() === 'PK', 'an Excel file is a zip archive');
    await page.screenshot({ path: 'artifacts/data-exports.png', fullPage: true });
  }],
  ['the dashboard shows a new scan from the event stream within seconds', async (page) => {
    await signIn(page, 'admin', adminPassword, '/');
    await page.locator('[data-testid=live][data-live=true]').waitFor();
    const p = parentId();
    const tok = await token(page.request);
    await api(page.request, tok, 'POST', '/api/v1/scans/parent', { qr_id: p });
    // Without the stream the dashboard would only look again after 30 s.
    await page.locator('.recent').filter({ hasText: p }).waitFor({ timeout: 5000 });
    await page.screenshot({ path: 'artifacts/data-live-dashboard.png', fullPage: true });
  }],
  ['a phone loads the small floor build; office pages bring the office build', async (page) => {
    const wasm = [];
    page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname); });
    await signIn(page, 'admin', adminPassword, '/');
    await page.getByTestId('stats').waitFor();
    expect(wasm.length === 1, `one build for the dashboard: ${wasm}`);
    await page.locator('nav').getByRole('link', { name: 'Bills' }).click();
    await page.getByTestId('bills').waitFor();
    expect(wasm.length === 2 && wasm[0] !== wasm[1], `the office build for /bills: ${wasm}`);
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible(), 'still signed in');
    await page.locator('nav').getByRole('link', { name: 'Station' }).click();
    await page.getByTestId('state').waitFor();
  }],
  ['a server error shows a friendly page with a way back', async (page) => {
    await page.route('**/api/v1/stats', (route) => route.fulfill({
      status: 500,
      contentType: 'application/problem+json',
      headers: { 'x-request-id': 'req-e2e-500' },
      body: JSON.stringify({ type: 'about:blank', title: 'Internal error', status: 500, code: 'internal', detail: 'boom', request_id: 'req-e2e-500' }),
    }));
    await signIn(page, 'admin', adminPassword, '/');
    const box = page.getByTestId('server-error');
    await box.waitFor();
    const text = await box.textContent();
    expect(text.includes('Something went wrong') && text.includes('req-e2e-500'), text);
    expect(!text.includes('boom'), 'no raw error text');
    await page.screenshot({ path: 'artifacts/data-server-error.png', fullPage: true });
    await page.unroute('**/api/v1/stats');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByTestId('stats').waitFor();
    expect(!(await box.isVisible()), 'the page is back');
  }],
]);
