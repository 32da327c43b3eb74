// The scan station as a shared device and its buttons: one user's waiting scans
// are never sent with another user's token (nor their refused list shown to them),
// and Seal and Undo never overtake waiting scans and are done once per press even
// when their answer is lost.
import { suite, base, adminPassword, expect, apiContext } from './harness.mjs';
import { token, api, parentId, childIds, tag } from './api.mjs';
import { STATION, scan, dropAnswer, drained, stored, opened } from './station-faults.lib.mjs';

// Signs `username` in to the station (from wherever the page is) and waits until it has settled.
async function stationSignIn(page, username, password) {
  if (!page.url().includes('/login')) await page.goto(base + '/login?next=%2Fstation%3Fstation%3D' + STATION);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  const formats = page.waitForResponse((r) => r.url().includes('/api/v1/bag-formats'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('state').filter({ hasText: 'SCAN' }).waitFor();
  await formats;
  await page.waitForTimeout(300);
}

// Waits for the server's answer to a parent scan (the placeholder also shows 0/30).
async function userId(username, password) {
  const request = await apiContext();
  const res = await request.post(base + '/api/v1/auth/login', { data: { username, password } });
  const id = (await res.json()).user.id;
  await request.dispose();
  return id;
}

// The idempotency keys of the scans kept in IndexedDB.
function storedKeys(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('tracetrack');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const all = req.result.transaction('scan_queue').objectStore('scan_queue').getAll();
      all.onsuccess = () => { req.result.close(); resolve(all.result.map((r) => r.idempotency_key)); };
    };
  }));
}

// Keys sent with each scan request: [phase, key] pairs.
function sentKeys(page, phase) {
  const seen = [];
  page.on('request', (req) => {
    const url = req.url();
    if (req.method() !== 'POST' || !url.includes('/api/v1/scans/')) return;
    if (url.endsWith('/scans/batch')) for (const e of req.postDataJSON().events) seen.push([phase.now, e.idempotency_key]);
    else seen.push([phase.now, req.headers()['idempotency-key']]);
  });
  return seen;
}

await suite('station-device', [
  ['a shared device: scans go only with their own user\'s token', async (page, context) => {
    const request = await apiContext();
    const t = await token(request);
    const bName = 'dev' + tag().toLowerCase();
    const bPass = 'device-pass-123';
    const made = await api(request, t, 'POST', '/api/v1/users', { username: bName, password: bPass, role: 'biller' });
    expect(made.status === 201, `create ${bName}: ${made.status}`);
    const [aId, bId] = [await userId('admin', adminPassword), await userId(bName, bPass)];
    const phase = { now: 'A' };
    const sent = sentKeys(page, phase);
    await stationSignIn(page, 'admin', adminPassword);
    // A's refused scan: queued for a parent that is sealed meanwhile.
    const sealed = parentId();
    await scan(page, sealed);
    await opened(page, sealed);
    await context.setOffline(true);
    const [refusedKid] = childIds(1, 'F' + tag());
    await scan(page, refusedKid);
    await page.getByTestId('waiting').filter({ hasText: '1 waiting' }).waitFor({ timeout: 10000 });
    const s = await api(request, t, 'POST', `/api/v1/bags/${sealed}/seal`, { reason: 'e2e' });
    expect(s.status === 200, `seal ${s.status}`);
    await context.setOffline(false);
    await page.getByTestId('refused').filter({ hasText: refusedKid }).waitFor({ timeout: 15000 });
    // A's scans that cannot be sent yet.
    const parent = parentId();
    await scan(page, parent);
    await opened(page, parent);
    let blocked = true;
    await page.route(/\/api\/v1\/scans\/(child|batch)$/, (route) => (blocked ? route.abort('internetdisconnected') : route.continue()));
    const kids = childIds(3, 'A' + tag());
    for (const k of kids) await scan(page, k);
    await page.getByTestId('waiting').filter({ hasText: '3 waiting' }).waitFor({ timeout: 10000 });
    const aKeys = await storedKeys(page);
    expect(aKeys.length === 3, `${aKeys.length} kept`);
    // A signs out; B signs in on the same browser and the network is back.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Username').waitFor();
    phase.now = 'B';
    await stationSignIn(page, bName, bPass);
    blocked = false;
    await context.setOffline(true);
    await context.setOffline(false);
    const bParent = parentId();
    const [bKid] = childIds(1, 'B' + tag());
    await scan(page, bParent);
    await opened(page, bParent);
    await scan(page, bKid);
    await page.getByTestId('counter').filter({ hasText: '1/30' }).waitFor({ timeout: 10000 });
    await page.getByTestId('others-waiting').filter({ hasText: '3 scans of admin wait for them to sign in again' })
      .waitFor({ timeout: 10000 });
    await page.waitForTimeout(6000); // the 5 s timer's replay too
    const leaked = sent.filter(([p, k]) => p === 'B' && aKeys.includes(k));
    expect(leaked.length === 0, `${leaked.length} of A's scans sent in B's session`);
    expect(await page.getByTestId('refused').count() === 0, "B sees A's refused list");
    expect(!(await page.getByTestId('recent').textContent()).includes(kids[0]), "B sees A's recent lines");
    expect(await stored(page) === 3, "A's scans still kept");
    // A comes back: their scans are sent, under A.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Username').waitFor();
    phase.now = 'A2';
    await stationSignIn(page, 'admin', adminPassword);
    await drained(page, '3/30');
    await page.getByTestId('refused').filter({ hasText: refusedKid }).waitFor();
    expect(await page.getByTestId('others-waiting').count() === 0, 'nothing waits for anyone');
    for (const [k, who] of [...kids.map((k) => [k, aId]), [bKid, bId]]) {
      const events = await api(request, t, 'GET', `/api/v1/scans?qr_id=${k}`);
      expect(events.body.items.length === 1, `${k}: ${events.body.items.length} events`);
      expect(events.body.items[0].user_id === who, `${k} recorded under user ${events.body.items[0].user_id}, want ${who}`);
    }
    await request.dispose();
  }],
  ['seal and undo wait for queued scans, and a repeated press is done once', async (page, context) => {
    const actions = [];
    page.on('request', (req) => {
      if (/\/scans\/undo$|\/seal$/.test(req.url())) actions.push([req.url(), req.headers()['idempotency-key']]);
    });
    await stationSignIn(page, 'admin', adminPassword);
    const parent = parentId();
    const kids = childIds(3, 'S' + tag());
    await scan(page, parent);
    await opened(page, parent);
    await context.setOffline(true);
    for (const k of kids) await scan(page, k);
    await page.getByTestId('waiting').filter({ hasText: '3 waiting' }).waitFor({ timeout: 10000 });
    const message = page.getByTestId('message');
    await page.getByRole('button', { name: 'Undo' }).click();
    await message.filter({ hasText: 'Wait until the waiting scans are sent' }).waitFor();
    await page.getByRole('button', { name: 'Seal', exact: true }).click();
    await page.getByLabel('Reason for sealing').fill('short load');
    await page.getByRole('button', { name: 'Seal now' }).click();
    await message.filter({ hasText: 'Wait until the waiting scans are sent' }).waitFor();
    expect(actions.length === 0, `${actions.length} undo/seal requests while scans wait`);
    await context.setOffline(false);
    await drained(page, '3/30');
    // Undo: the first answer is lost after the server undid the link; the next press repeats it.
    let lose = 1;
    await page.route(/\/scans\/undo$|\/seal$/, async (route) => {
      if (lose-- > 0) await dropAnswer(route);
      else await route.continue();
    });
    await page.getByRole('button', { name: 'Undo' }).click();
    await message.filter({ hasText: 'No connection' }).waitFor();
    await page.getByRole('button', { name: 'Undo' }).click();
    await message.filter({ hasText: `Undone: ${kids[2]}` }).waitFor();
    expect(actions.length === 2 && actions[0][1] && actions[0][1] === actions[1][1], `undo keys ${JSON.stringify(actions)}`);
    // Seal: the same.
    lose = 1;
    await page.getByRole('button', { name: 'Seal', exact: true }).click();
    await page.getByLabel('Reason for sealing').fill('short load');
    await page.getByRole('button', { name: 'Seal now' }).click();
    await message.filter({ hasText: 'No connection' }).waitFor();
    await page.getByRole('button', { name: 'Seal', exact: true }).click();
    await page.getByLabel('Reason for sealing').fill('short load');
    await page.getByRole('button', { name: 'Seal now' }).click();
    await message.filter({ hasText: `${parent} sealed` }).waitFor();
    expect(actions.length === 4 && actions[2][1] && actions[2][1] === actions[3][1], `seal keys ${JSON.stringify(actions)}`);
    // A later press is a new action.
    const request = await apiContext();
    const t = await token(request);
    const bag = await api(request, t, 'GET', `/api/v1/bags/${parent}`);
    expect(bag.body.bag.child_count === 2, `child_count ${bag.body.bag.child_count}, want 2 (one undo)`);
    expect(bag.body.bag.status === 'sealed', `status ${bag.body.bag.status}`);
    await request.dispose();
  }],
]);
