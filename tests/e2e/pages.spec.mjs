// Every page opens for the roles that may use it, with screenshots; the bill
// station fills and completes a bill; dispatchers do not see admin pages.
import { suite, base, adminPassword, expect, signIn } from './harness.mjs';
import { token, api, parentId, childIds, tag } from './api.mjs';

async function scan(page, code) {
  await page.keyboard.type(code, { delay: 5 });
  await page.keyboard.press('Enter');
}

async function noHorizontalScroll(page) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  expect(!wide, 'no horizontal scrolling at 360 px');
}

await suite('pages', [
  ['dashboard shows counts, scans per hour and recent activity', async (page) => {
    await signIn(page, 'admin', adminPassword);
    await api(page.request, await token(page.request), 'POST', '/api/v1/scans/parent', { qr_id: parentId() });
    await page.reload();
    await page.getByTestId('stats').waitFor();
    const hours = page.getByTestId('hours').locator('li b');
    await hours.first().waitFor();
    const perHour = (await hours.allTextContents()).reduce((sum, n) => sum + Number(n), 0);
    const today = Number(await page.getByTestId('stats').locator('.tile b').nth(2).textContent());
    expect(perHour === today && today > 0, `the hours add up to today's scans (${perHour} vs ${today})`);
    await noHorizontalScroll(page);
  }],
  ['the bill station fills a bill and completes it', async (page) => {
    const t = await token(page.request);
    const parents = [parentId(), parentId()];
    for (const p of parents) {
      await api(page.request, t, 'POST', '/api/v1/scans/parent', { qr_id: p });
      for (const c of childIds(3, 'V' + tag())) await api(page.request, t, 'POST', '/api/v1/scans/child', { parent_qr_id: p, qr_id: c });
    }
    const bill = await api(page.request, t, 'POST', '/api/v1/bills', { bill_number: 'E2E-' + tag(), capacity: 2 });
    await signIn(page, 'admin', adminPassword, `/bills/${bill.body.id}/station`);
    await page.getByTestId('bill-figures').waitFor();
    for (const p of parents) {
      await scan(page, p);
      await page.getByTestId('message').filter({ hasText: 'added to the bill' }).waitFor();
      await page.waitForTimeout(200);
    }
    await page.getByTestId('bill-figures').filter({ hasText: '2/2' }).waitFor();
    expect((await page.getByTestId('bill-figures').textContent()).includes('6.0'), 'actual kg shown');
    await page.getByRole('button', { name: 'Complete bill' }).click();
    await page.getByTestId('bill-status').filter({ hasText: 'completed' }).waitFor();
    const after = await api(page.request, t, 'GET', `/api/v1/bills/${bill.body.id}`);
    expect(after.body.status === 'completed', 'completed on the server');
    await page.goto(base + `/bills/${bill.body.id}/print`);
    await page.locator('.qr svg').waitFor();
  }],
  ['bags search and detail', async (page) => {
    const t = await token(page.request);
    const p = parentId();
    await api(page.request, t, 'POST', '/api/v1/scans/parent', { qr_id: p });
    await signIn(page, 'admin', adminPassword, '/bags');
    await page.getByLabel('Bag id starts with').fill(p.toLowerCase());
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: p }).click();
    await page.getByTestId('bag-summary').filter({ hasText: 'parent' }).waitFor();
    await noHorizontalScroll(page);
  }],
  ['a big parent shows its first 100 children and loads the rest on request', async (page) => {
    const t = await token(page.request);
    // A format of 150 children (created once per server; a second run finds it).
    await api(page.request, t, 'POST', '/api/v1/bag-formats', {
      code: 'E2BIG', name: 'E2E big sacks', role: 'parent', pattern: '^BIG\\d{5}$', capacity: 150, child_weight_kg: 0.5,
    });
    const p = `BIG${String(Math.floor(Math.random() * 100000)).padStart(5, '0')}`;
    await api(page.request, t, 'POST', '/api/v1/scans/parent', { qr_id: p });
    for (const c of childIds(130, 'W' + tag())) await api(page.request, t, 'POST', '/api/v1/scans/child', { parent_qr_id: p, qr_id: c });
    await signIn(page, 'admin', adminPassword, `/bags/${p}`);
    const children = page.getByTestId('children').locator('li');
    await children.nth(99).waitFor();
    expect(await children.count() === 100, `the detail shows 100 (${await children.count()})`);
    await page.getByTestId('more-children').click();
    await children.nth(129).waitFor();
    expect(await children.count() === 130, `all 130 after loading more (${await children.count()})`);
    expect(!(await page.getByTestId('more-children').isVisible()), 'nothing more to load');
    await page.screenshot({ path: 'artifacts/pages-big-parent.png', fullPage: true });
  }],
  ['bills list, admin pages, profile and scanner test open', async (page) => {
    await signIn(page, 'admin', adminPassword, '/bills');
    await page.getByTestId('bills').waitFor();
    for (const [path, testid] of [['/admin/users', 'users'], ['/admin/areas', 'areas'], ['/admin/formats', 'formats'], ['/admin/audit', 'audit']]) {
      await page.goto(base + path);
      await page.getByTestId(testid).locator('li').first().waitFor();
      await noHorizontalScroll(page);
    }
    await page.goto(base + '/admin/health');
    await page.getByTestId('health').filter({ hasText: 'Connections in use' }).waitFor();
    expect((await page.getByTestId('health').textContent()).includes('ok'), 'database ok');
    await page.screenshot({ path: 'artifacts/pages-system-health.png', fullPage: true });
    await noHorizontalScroll(page);
    await page.goto(base + '/admin/eod');
    await page.getByTestId('eod').filter({ hasText: 'Bills' }).waitFor();
    await page.getByLabel('Day').fill('2001-01-01');
    await page.getByLabel('Day').dispatchEvent('change');
    await page.getByTestId('eod').filter({ hasText: 'Bills0' }).waitFor();
    await page.getByLabel('Day').fill(new Date().toISOString().slice(0, 10));
    await page.getByLabel('Day').dispatchEvent('change');
    await page.screenshot({ path: 'artifacts/pages-eod-report.png', fullPage: true });
    await noHorizontalScroll(page);
    await page.goto(base + '/admin/imports');
    await page.getByTestId('import-form').waitFor();
    await noHorizontalScroll(page);
    await page.goto(base + '/admin/exports');
    await page.getByTestId('exports').locator('li').first().waitFor();
    await noHorizontalScroll(page);
    await page.goto(base + '/profile');
    await page.getByLabel('Current password').waitFor();
    await page.goto(base + '/scanner-test');
    await scan(page, 'label no.:0016586 lot');
    await page.getByTestId('scan-result').filter({ hasText: '0016586' }).waitFor();
    expect((await page.getByTestId('scan-result').textContent()).includes('Enter'), 'terminator shown');
  }],
  ['a dispatcher does not see admin pages', async (page) => {
    const t = await token(page.request);
    const name = 'disp' + tag().toLowerCase();
    await api(page.request, t, 'POST', '/api/v1/users', { username: name, password: 'dispatcher-pass-1', role: 'dispatcher', dispatch_area: 'lucknow' });
    await signIn(page, name, 'dispatcher-pass-1');
    expect(await page.getByRole('link', { name: 'Admin' }).count() === 0, 'no admin link');
    for (const path of ['/admin/users', '/admin/imports', '/admin/exports']) {
      await page.goto(base + path);
      await page.getByText('Not allowed').waitFor();
      expect(await page.locator('input[type=file], [data-export]').count() === 0, `no admin controls on ${path}`);
    }
    await page.goto(base + '/station');
    await page.getByTestId('state').filter({ hasText: 'SCAN PARENT' }).waitFor();
  }],
  ['signed-out visitors are sent to sign in', async (page) => {
    await page.goto(base + '/bills');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(page.url().includes('next=%2Fbills'), 'comes back afterwards');
  }],
]);
