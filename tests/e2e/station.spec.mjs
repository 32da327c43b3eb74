// The scan station in a real browser: keyboard-wedge bursts, double fires, a full
// parent, errors shown, and the offline queue across a reload.
import { suite, base, adminPassword, expect } from './harness.mjs';
import { token, api, parentId, childIds, tag } from './api.mjs';

async function signIn(page) {
  await page.goto(base + '/login?next=%2Fstation%3Fstation%3De2e');
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('state').filter({ hasText: 'SCAN' }).waitFor();
}

// A scanner: characters 5 ms apart, then Enter.
async function scan(page, code) {
  await page.keyboard.type(code, { delay: 5 });
  await page.keyboard.press('Enter');
}

async function counter(page, text) {
  await page.getByTestId('counter').filter({ hasText: text }).waitFor({ timeout: 10000 });
}

await suite('station', [
  ['a burst of ten codes makes ten scans, none lost or doubled', async (page) => {
    await signIn(page);
    const parent = parentId();
    const kids = childIds(10, 'B' + tag());
    await scan(page, parent);
    await page.getByTestId('state').filter({ hasText: 'SCAN CHILDREN' }).waitFor();
    for (const k of kids) await scan(page, k);
    await counter(page, '10/30');
    const t = await token(page.request);
    const bag = await api(page.request, t, 'GET', `/api/v1/bags/${parent}`);
    expect(bag.body.bag.child_count === 10, `child_count ${bag.body.bag.child_count}`);
    const events = await api(page.request, t, 'GET', `/api/v1/bags/${parent}/events?limit=100`);
    const linked = events.body.items.filter((e) => e.kind === 'child' && e.outcome === 'linked');
    expect(linked.length === 10, `linked events ${linked.length}`);
  }],
  ['a double fire within a second is one scan', async (page) => {
    await signIn(page);
    const parent = parentId();
    await scan(page, parent);
    await page.getByTestId('state').filter({ hasText: 'SCAN CHILDREN' }).waitFor();
    const kid = 'D' + tag() + '001';
    await scan(page, kid);
    await scan(page, kid);
    await counter(page, '1/30');
    await page.waitForTimeout(500);
    const t = await token(page.request);
    const events = await api(page.request, t, 'GET', `/api/v1/scans?qr_id=${kid}`);
    expect(events.body.items.length === 1, `events for ${kid}: ${events.body.items.length}`);
  }],
  ['a full parent returns the station to SCAN PARENT', async (page) => {
    await signIn(page);
    const parent = `M444-${String(Math.floor(Math.random() * 90000) + 10000)}`;
    await scan(page, parent);
    await counter(page, '0/15');
    for (const k of childIds(15, 'F' + tag())) await scan(page, k);
    await page.getByTestId('state').filter({ hasText: 'SCAN PARENT' }).waitFor({ timeout: 10000 });
    expect((await page.getByTestId('message').textContent()).includes('is full'), 'says it is full');
  }],
  ['wrong role and linked elsewhere are explained', async (page) => {
    await signIn(page);
    const kid = 'W' + tag() + '01';
    await scan(page, kid);
    await page.getByTestId('message').filter({ hasText: 'scan a parent bag first' }).waitFor();
    const first = parentId();
    const second = parentId();
    await scan(page, first);
    await scan(page, kid);
    await counter(page, '1/30');
    await page.waitForTimeout(1100);
    await scan(page, second);
    await counter(page, '0/30');
    await scan(page, kid);
    await page.getByTestId('message').filter({ hasText: `already belongs to ${first}` }).waitFor();
    await scan(page, 'ab');
    await page.getByTestId('message').filter({ hasText: 'Not a bag code' }).waitFor();
  }],
  ['offline: twenty scans wait, survive a reload and sync once', async (page, context) => {
    await signIn(page);
    await page.evaluate(() => navigator.serviceWorker.ready);
    const parent = parentId();
    await scan(page, parent);
    await counter(page, '0/30');
    // The placeholder shows 0/30 at once: wait for the server's answer to the parent,
    // or the parent itself is among the waiting scans.
    await page.getByTestId('message').filter({ hasText: `${parent} · ` }).waitFor({ timeout: 10000 });
    await context.setOffline(true);
    const kids = childIds(20, 'Q' + tag());
    for (const k of kids) await scan(page, k);
    await page.getByTestId('waiting').filter({ hasText: '20 waiting' }).waitFor({ timeout: 10000 });
    await page.reload();
    await page.getByTestId('waiting').filter({ hasText: '20 waiting' }).waitFor({ timeout: 10000 });
    await context.setOffline(false);
    await page.getByTestId('waiting').waitFor({ state: 'detached', timeout: 30000 });
    const t = await token(page.request);
    const bag = await api(page.request, t, 'GET', `/api/v1/bags/${parent}`);
    expect(bag.body.bag.child_count === 20, `child_count ${bag.body.bag.child_count}`);
    const events = await api(page.request, t, 'GET', `/api/v1/bags/${parent}/events?limit=100`);
    const linked = events.body.items.filter((e) => e.kind === 'child' && e.outcome === 'linked');
    expect(linked.length === 20, `each linked exactly once: ${linked.length}`);
  }],
]);
