// Helpers for station-faults.spec.mjs: signing in to the station, scanning, losing
// answers, recording what the page sends, and checking the server and the queue.
import { base, adminPassword, expect, apiContext } from './harness.mjs';
import { token, api } from './api.mjs';

export const STATION = 'e2e-faults';

// Signs in to the station and waits until it knows the bag formats (a parent code
// scanned before that would be taken for a child) and the first load has settled.
export async function signIn(page) {
  await page.goto(base + '/login?next=%2Fstation%3Fstation%3D' + STATION);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(adminPassword);
  const formats = page.waitForResponse((r) => r.url().includes('/api/v1/bag-formats'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('state').filter({ hasText: 'SCAN' }).waitFor();
  await formats;
  await page.waitForTimeout(300);
}

// A scanner: characters 5 ms apart, then Enter.
/** Waits for the server's answer to a parent scan (the placeholder shows 0/30 before it). */
export async function opened(page, parent) {
  await page.getByTestId('message').filter({ hasText: `${parent} · ` }).waitFor({ timeout: 10000 });
}

export async function scan(page, code) {
  await page.keyboard.type(code, { delay: 5 });
  await page.keyboard.press('Enter');
}

// Lets the request reach the server (it commits), then loses the answer.
export async function dropAnswer(route) {
  const res = await route.fetch();
  await route.abort('connectionreset');
  return res.status();
}

// Every scan request the page sends, by idempotency key: the distinct bodies seen.
export function recordScans(page) {
  const byKey = new Map();
  const note = (key, parent, qr, at, station) => {
    if (!byKey.has(key)) byKey.set(key, new Set());
    byKey.get(key).add(JSON.stringify([parent ?? null, qr, at ?? null, station ?? null]));
  };
  let batches = 0;
  const batchStations = new Set();
  page.on('request', (req) => {
    const url = req.url();
    if (req.method() !== 'POST' || !url.includes('/api/v1/scans/')) return;
    const body = req.postDataJSON();
    const headers = req.headers();
    if (url.endsWith('/scans/batch')) {
      batches += 1;
      batchStations.add(headers['x-station-id']);
      for (const e of body.events) note(e.idempotency_key, e.parent_qr_id, e.qr_id, e.occurred_at, e.station_id);
    } else if (url.endsWith('/scans/child') || url.endsWith('/scans/parent')) {
      note(headers['idempotency-key'], body.parent_qr_id, body.qr_id, body.occurred_at, headers['x-station-id']);
    }
  });
  return {
    byKey,
    batches: () => batches,
    // Each key was always sent with one and the same body.
    checkStable(scans) {
      expect(byKey.size === scans, `${byKey.size} keys for ${scans} scans`);
      expect([...batchStations].every((s) => s === STATION), `batch X-Station-Id: ${[...batchStations]}`);
      for (const [key, bodies] of byKey) {
        expect(bodies.size === 1, `key ${key} sent with ${bodies.size} different bodies: ${[...bodies].join(' | ')}`);
      }
    },
  };
}

// The server's view: the parent holds them all, each linked by exactly one event.
export async function checkRecordedOnce(parent, kids) {
  const request = await apiContext();
  const t = await token(request);
  const bag = await api(request, t, 'GET', `/api/v1/bags/${parent}`);
  expect(bag.body.bag.child_count === kids.length, `child_count ${bag.body.bag.child_count}, want ${kids.length}`);
  for (const k of kids) {
    const events = await api(request, t, 'GET', `/api/v1/scans?qr_id=${k}`);
    const linked = events.body.items.filter((e) => e.kind === 'child' && e.outcome === 'linked');
    expect(linked.length === 1, `${k}: ${linked.length} linked events`);
    expect(events.body.items.length === 1, `${k}: ${events.body.items.length} events in all`);
  }
  await request.dispose();
}

// How many scans the station keeps in IndexedDB (call once the station has made the store).
export function stored(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('tracetrack');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const count = db.transaction('scan_queue').objectStore('scan_queue').count();
      count.onsuccess = () => { db.close(); resolve(count.result); };
      count.onerror = () => { db.close(); reject(count.error); };
    };
  }));
}

// How many times each idempotency key went out (single requests and batch events).
export function countSends(page) {
  const sends = new Map();
  const add = (key) => sends.set(key, (sends.get(key) ?? 0) + 1);
  page.on('request', (req) => {
    const url = req.url();
    if (req.method() !== 'POST' || !url.includes('/api/v1/scans/')) return;
    if (url.endsWith('/scans/batch')) for (const e of req.postDataJSON().events) add(e.idempotency_key);
    else add(req.headers()['idempotency-key']);
  });
  return sends;
}

export async function until(cond, what, timeout = 15000) {
  const deadline = Date.now() + timeout;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Within 15 s: nothing waits and the counter shows exactly `want` (no pending part).
export async function drained(page, want, timeout = 15000) {
  const deadline = Date.now() + timeout;
  await page.getByTestId('waiting').waitFor({ state: 'detached', timeout });
  await page.getByTestId('counter').filter({ hasText: new RegExp(`^\\s*${want}\\s*$`) })
    .waitFor({ timeout: Math.max(1, deadline - Date.now()) });
}

// The message line and the newest recent line show no count other than the counter's.
export async function countsAgree(page) {
  const counter = (await page.getByTestId('counter').textContent()).match(/\d+\/\d+/)[0];
  const lines = [await page.getByTestId('message').textContent(),
    (await page.getByTestId('recent').locator('li').first().textContent()) ?? ''];
  for (const line of lines) {
    const shown = line.match(/\d+\/\d+/);
    expect(!shown || shown[0] === counter, `"${line}" disagrees with the counter ${counter}`);
  }
}
