// Benchmark (not a test): scan → feedback latency in headless Chromium with 4×
// CPU throttling. Time from the scanner's Enter keydown to the flash on screen.
import { launch, base, adminPassword } from './harness.mjs';
import { parentId, tag } from './api.mjs';

const browser = await launch();
const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
await page.goto(base + '/login?next=%2Fstation');
await page.getByLabel('Username').fill('admin');
await page.getByLabel('Password').fill(adminPassword);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.getByTestId('state').filter({ hasText: 'SCAN' }).waitFor();
// In the page: note the Enter keydown time, and when the flash class appears.
await page.evaluate(() => {
  window.__lat = [];
  window.__t0 = 0;
  window.addEventListener('keydown', (e) => { if (e.key === 'Enter') window.__t0 = performance.now(); }, true);
  const flash = document.querySelector('.flash');
  new MutationObserver(() => {
    if (window.__t0 && /flash-(ok|parent|err)/.test(flash.className)) {
      requestAnimationFrame(() => { window.__lat.push(performance.now() - window.__t0); window.__t0 = 0; });
    }
  }).observe(flash, { attributes: true, attributeFilter: ['class'] });
});
const scans = 40;
const parent = parentId();
await page.keyboard.type(parent, { delay: 5 });
await page.keyboard.press('Enter');
await page.getByTestId('counter').waitFor();
const prefix = 'T' + tag();
for (let i = 0; i < scans; i++) {
  await page.waitForTimeout(400);
  await page.keyboard.type(`${prefix}${String(i).padStart(4, '0')}`, { delay: 5 });
  await page.keyboard.press('Enter');
}
await page.waitForTimeout(1000);
const lat = (await page.evaluate(() => window.__lat)).sort((a, b) => a - b);
const pct = (p) => lat[Math.min(lat.length - 1, Math.round((lat.length - 1) * p))].toFixed(1);
console.log(`scan→feedback with 4× CPU throttling: ${lat.length} scans, p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${pct(1)} ms (goal p95 <= 50 ms)`);
await browser.close();
