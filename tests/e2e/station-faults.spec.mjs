// The scan station when the network fails at the worst moment: the server commits
// a scan but the phone never hears the answer (single scans and batch replays,
// across a reload), the page reloaded before any answer came (scans kept from their
// capture), and a queued scan the server refuses. Every scan must be
// recorded exactly once, sent with the same key and body every time, and the
// queue must drain by itself.
import { suite, expect, apiContext } from './harness.mjs';
import { token, api, parentId, childIds, tag } from './api.mjs';
import {
  signIn, scan, opened, dropAnswer, recordScans, checkRecordedOnce, until, drained, stored, countSends, countsAgree,
} from './station-faults.lib.mjs';

await suite('station-faults', [
  ['answers lost after commit: single scans are recorded once', async (page) => {
    await signIn(page);
    const sent = recordScans(page);
    let drop = 3;
    await page.route('**/api/v1/scans/child', async (route) => {
      if (drop > 0) {
        drop -= 1;
        await dropAnswer(route);
      } else {
        await route.continue();
      }
    });
    const parent = parentId();
    const kids = childIds(8, 'L' + tag());
    await scan(page, parent);
    await page.getByTestId('state').filter({ hasText: 'SCAN CHILDREN' }).waitFor();
    for (const k of kids) await scan(page, k);
    await drained(page, `${kids.length}/30`);
    expect(drop < 3, 'no answer was dropped');
    console.log(`    ${3 - drop} single answers dropped after commit, ${sent.batches()} batch request(s)`);
    await checkRecordedOnce(parent, kids);
    sent.checkStable(kids.length + 1);
    expect(sent.batches() >= 1, 'replayed through /scans/batch');
    await countsAgree(page);
  }],
  ['requests that never answer time out and are replayed: recorded once', async (page) => {
    await signIn(page);
    const sent = recordScans(page);
    // The first child and the first batch reach the server (it commits) and then hang.
    const hung = { child: 0, batch: 0 };
    await page.route(/\/api\/v1\/scans\/(child|batch)$/, async (route) => {
      const kind = route.request().url().endsWith('/batch') ? 'batch' : 'child';
      if (hung[kind]++ > 0) return route.continue();
      await route.fetch();
      await new Promise(() => {}); // never answered
    });
    const parent = parentId();
    const kids = childIds(6, 'N' + tag());
    await scan(page, parent);
    await page.getByTestId('counter').filter({ hasText: '0/30' }).waitFor();
    for (const k of kids.slice(0, 4)) await scan(page, k);
    await until(() => hung.child > 0, 'the first child on its way');
    await page.waitForTimeout(2000);
    for (const k of kids.slice(4)) await scan(page, k);
    const t0 = Date.now();
    await drained(page, `${kids.length}/30`, 60000);
    console.log(`    drained ${Date.now() - t0} ms after the last scan (a hung scan and a hung batch)`);
    expect(hung.batch >= 2, `${hung.batch} batches: the hung one was sent again`);
    await checkRecordedOnce(parent, kids);
    sent.checkStable(kids.length + 1);
    await countsAgree(page);
  }],
  ['answers lost after commit: batch replays too', async (page) => {
    await signIn(page);
    const sent = recordScans(page);
    let dropChild = 2;
    let dropBatch = 2;
    await page.route('**/api/v1/scans/child', async (route) => {
      if (dropChild > 0) {
        dropChild -= 1;
        await dropAnswer(route);
      } else {
        await route.continue();
      }
    });
    await page.route('**/api/v1/scans/batch', async (route) => {
      if (dropBatch > 0) {
        dropBatch -= 1;
        await dropAnswer(route);
      } else {
        await route.continue();
      }
    });
    const parent = parentId();
    const kids = childIds(8, 'R' + tag());
    await scan(page, parent);
    await page.getByTestId('state').filter({ hasText: 'SCAN CHILDREN' }).waitFor();
    for (const k of kids) await scan(page, k);
    await drained(page, `${kids.length}/30`);
    expect(dropChild < 2 && dropBatch < 2, 'no answer was dropped');
    console.log(`    ${2 - dropChild} single and ${2 - dropBatch} batch answers dropped after commit, ${sent.batches()} batch request(s)`);
    await checkRecordedOnce(parent, kids);
    sent.checkStable(kids.length + 1);
  }],
  ['answers lost, page reloaded while they still fail: recorded once', async (page) => {
    await signIn(page);
    await page.evaluate(() => navigator.serviceWorker.ready);
    const sent = recordScans(page);
    let failing = true;
    const droppedBatches = [];
    await page.route(/\/api\/v1\/scans\/(child|batch)$/, async (route) => {
      if (!failing) return route.continue();
      const batch = route.request().url().endsWith('/batch') ? route.request().postDataJSON().events.length : null;
      await dropAnswer(route);
      // Counted once the server has answered (and so committed), not when the request left.
      if (batch !== null) droppedBatches.push(batch);
    });
    const parent = parentId();
    const kids = childIds(6, 'X' + tag());
    await scan(page, parent);
    await page.getByTestId('counter').filter({ hasText: '0/30' }).waitFor();
    for (const k of kids) await scan(page, k);
    await page.getByTestId('waiting').filter({ hasText: `${kids.length} waiting` }).waitFor({ timeout: 10000 });
    // A replay of all of them reached the server, which committed it; the answer was lost.
    await until(() => droppedBatches.includes(kids.length), 'a replay of every waiting scan');
    const request = await apiContext();
    const t = await token(request);
    const before = await api(request, t, 'GET', `/api/v1/bags/${parent}`);
    expect(before.body.bag.child_count === kids.length, `server already holds ${before.body.bag.child_count}`);
    await request.dispose();
    const replays = droppedBatches.length;
    await page.reload();
    await page.getByTestId('waiting').filter({ hasText: `${kids.length} waiting` }).waitFor({ timeout: 10000 });
    await page.getByTestId('counter').filter({ hasText: `+${kids.length} waiting` }).waitFor();
    await page.screenshot({ path: 'artifacts/station-faults-pending.png', fullPage: true });
    // After the reload the replays still reach the server and lose their answers.
    await until(() => droppedBatches.length > replays, 'a replay after the reload');
    const t0 = Date.now();
    failing = false;
    await drained(page, `${kids.length}/30`);
    console.log(`    time-to-drain after a reload, answers back: ${Date.now() - t0} ms (${kids.length} scans, back-off driven)`);
    await checkRecordedOnce(parent, kids);
    sent.checkStable(kids.length + 1);
  }],
  ['scans unanswered when the page is reloaded: kept, replayed, recorded once', async (page) => {
    await signIn(page);
    await page.evaluate(() => navigator.serviceWorker.ready);
    const sent = recordScans(page);
    const sends = countSends(page);
    // The first child reaches the server (it commits) but its answer never comes; the
    // station sends one scan at a time, so the rest are only captured.
    let holding = true;
    let release;
    const released = new Promise((r) => { release = r; });
    let reached = 0;
    await page.route('**/api/v1/scans/child', async (route) => {
      if (!holding) return route.continue();
      if (reached++ === 0) await route.fetch();
      await released;
      await route.abort('connectionreset').catch(() => {});
    });
    const parent = parentId();
    const kids = childIds(6, 'H' + tag());
    await scan(page, parent);
    await page.getByTestId('counter').filter({ hasText: '0/30' }).waitFor();
    for (const k of kids) await scan(page, k);
    // Each scan is kept from its capture; the one on its way is not counted as waiting.
    await until(() => reached > 0, 'the first child reaching the server');
    await page.getByTestId('waiting').filter({ hasText: `${kids.length - 1} waiting` }).waitFor({ timeout: 10000 });
    expect(await stored(page) === kids.length, `${kids.length} scans kept in IndexedDB`);
    await page.waitForTimeout(5500); // the 5 s timer's replay must leave them to the live sender
    expect(reached === 1, `${reached} child requests while the first is unanswered`);
    expect(sent.batches() === 0, `${sent.batches()} batches before the reload`);
    // Did a pending count ever show after the reload? (It should not: they are reconciled first.)
    await page.addInitScript(() => {
      new MutationObserver(() => {
        if (document.querySelector('[data-testid=waiting], .counter-pending')) window.sawWaiting = true;
      }).observe(document, { subtree: true, childList: true });
    });
    holding = false;
    const t0 = Date.now();
    await page.reload();
    release();
    await drained(page, `${kids.length}/30`);
    console.log(`    time-to-drain after a reload before any answer: ${Date.now() - t0} ms (${kids.length} scans, from the reload)`);
    expect(await stored(page) === 0, 'queue empty');
    expect(!(await page.evaluate(() => window.sawWaiting)), 'no pending count shown after the reload');
    await checkRecordedOnce(parent, kids);
    sent.checkStable(kids.length + 1);
    for (const [i, k] of kids.entries()) {
      const key = [...sent.byKey.entries()].find(([, b]) => [...b][0].includes(`"${k}"`))?.[0];
      const want = i === 0 ? 2 : 1; // the first: live (committed, answer lost) and replayed
      expect(sends.get(key) === want, `${k} sent ${sends.get(key)} times, want ${want}`);
    }
  }],
  ['a refused queued scan is shown with its reason and can be dismissed', async (page, context) => {
    await signIn(page);
    const parent = parentId();
    await scan(page, parent);
    // The parent must exist on the server before the network goes.
    await opened(page, parent);
    await context.setOffline(true);
    const kids = childIds(2, 'Z' + tag());
    for (const k of kids) await scan(page, k);
    await page.getByTestId('waiting').filter({ hasText: '2 waiting' }).waitFor({ timeout: 10000 });
    // Meanwhile someone else fills the parent.
    const request = await apiContext();
    const t = await token(request);
    for (const k of childIds(30, 'Y' + tag())) {
      const r = await api(request, t, 'POST', '/api/v1/scans/child', { parent_qr_id: parent, qr_id: k });
      expect(r.status === 201, `fill ${k}: ${r.status}`);
    }
    await context.setOffline(false);
    const refused = page.getByTestId('refused');
    await refused.waitFor({ timeout: 15000 });
    await page.getByTestId('waiting').waitFor({ state: 'detached', timeout: 15000 });
    const text = await refused.textContent();
    for (const k of kids) expect(text.includes(k), `refused list names ${k}: ${text}`);
    expect(text.includes('parent_full') && text.includes('is full'), `gives the reason: ${text}`);
    expect((await page.getByTestId('message').textContent()).includes('Not saved'), 'the message line says it');
    await page.getByTestId('state').filter({ hasText: 'SCAN PARENT' }).waitFor({ timeout: 10000 });
    // Kept across a reload until dismissed.
    await page.reload();
    await refused.waitFor({ timeout: 10000 });
    await page.screenshot({ path: 'artifacts/station-faults-refused-list.png', fullPage: true });
    await page.getByRole('button', { name: `Dismiss ${kids[0]}` }).click();
    await page.getByRole('button', { name: `Dismiss ${kids[0]}` }).waitFor({ state: 'detached' });
    expect(!(await refused.textContent()).includes(kids[0]), 'first one dismissed');
    await page.getByRole('button', { name: /Dismiss/ }).click();
    await refused.waitFor({ state: 'detached' });
    expect(await page.getByTestId('waiting').count() === 0, 'queue empty');
    const bag = await api(request, t, 'GET', `/api/v1/bags/${parent}`);
    expect(bag.body.bag.child_count === 30, `child_count ${bag.body.bag.child_count}`);
    await request.dispose();
  }],
  ['a batch refused as a whole is shown, and sent again later', async (page) => {
    await signIn(page);
    let lose = 1;
    let refuse = 3;
    await page.route('**/api/v1/scans/child', async (route) => {
      if (lose > 0) {
        lose -= 1;
        await route.abort('connectionreset');
      } else {
        await route.continue();
      }
    });
    await page.route('**/api/v1/scans/batch', async (route) => {
      if (refuse > 0) {
        refuse -= 1;
        await route.fulfill({
          status: 503,
          contentType: 'application/problem+json',
          body: JSON.stringify({ type: '/problems/unavailable', title: 'Unavailable', status: 503,
            detail: 'The database is busy; try again shortly.', code: 'unavailable', instance: 'e2e' }),
        });
      } else {
        await route.continue();
      }
    });
    const parent = parentId();
    const kids = childIds(3, 'U' + tag());
    await scan(page, parent);
    await page.getByTestId('counter').filter({ hasText: '0/30' }).waitFor();
    for (const k of kids) await scan(page, k);
    const note = page.getByTestId('sync-note');
    await note.filter({ hasText: 'unavailable' }).waitFor({ timeout: 10000 });
    await page.getByTestId('message').filter({ hasText: 'database is busy' }).waitFor({ timeout: 10000 });
    await drained(page, `${kids.length}/30`);
    await note.waitFor({ state: 'detached', timeout: 1000 });
    await checkRecordedOnce(parent, kids);
  }],
  ['time to drain once the network is back', async (page, context) => {
    await signIn(page);
    const parent = parentId();
    await scan(page, parent);
    // The parent must exist on the server before the network goes.
    await opened(page, parent);
    await context.setOffline(true);
    const kids = childIds(20, 'T' + tag());
    for (const k of kids) await scan(page, k);
    await page.getByTestId('waiting').filter({ hasText: '20 waiting' }).waitFor({ timeout: 10000 });
    // Long enough offline for the back-off to reach its 5 s ceiling.
    await page.waitForTimeout(8000);
    const t0 = Date.now();
    await context.setOffline(false);
    await drained(page, '20/30');
    console.log(`    time-to-drain after the network returns: ${Date.now() - t0} ms (20 scans)`);
    await checkRecordedOnce(parent, kids);
  }],
]);
