// A dispatcher asks for a higher role from the profile page; the admin sees the
// notification badge, opens the request and approves it; the dispatcher, signed
// in again, is a biller and has been told so.
import { suite, base, adminPassword, expect, signIn } from './harness.mjs';
import { token, api, tag } from './api.mjs';

await suite('promotions', [
  ['a promotion request goes from profile to admin approval with notifications', async (page) => {
    const t = await token(page.request);
    const name = 'climb' + tag().toLowerCase();
    await api(page.request, t, 'POST', '/api/v1/users', { username: name, password: 'dispatcher-pass-1', role: 'dispatcher', dispatch_area: 'lucknow' });
    await signIn(page, name, 'dispatcher-pass-1', '/profile');
    await page.getByLabel('Requested role').selectOption('biller');
    await page.getByLabel('Why (10–500 characters)').fill('I run the bill station on night shifts');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByText('Request sent').waitFor();
    await page.getByTestId('my-requests').filter({ hasText: 'pending' }).waitFor();
    await page.screenshot({ path: 'artifacts/promotions-profile-request.png', fullPage: true });
    await page.getByRole('button', { name: 'Sign out' }).click();

    await signIn(page, 'admin', adminPassword);
    await page.getByTestId('notifications-link').locator('.badge').waitFor();
    await page.getByTestId('notifications-link').click();
    await page.getByTestId('notifications').filter({ hasText: `${name} asks to become biller` }).waitFor();
    await page.screenshot({ path: 'artifacts/promotions-admin-notifications.png', fullPage: true });
    await page.getByRole('button', { name: 'Mark all read' }).click();
    await page.getByTestId('notifications-link').locator('.badge').waitFor({ state: 'detached' });
    await page.goto(base + '/admin/promotions');
    const item = page.locator('li.promotion').filter({ hasText: name });
    await item.getByLabel('Note for the requester').fill('welcome aboard');
    await item.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('No requests.').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();

    await signIn(page, name, 'dispatcher-pass-1', '/notifications');
    await page.getByTestId('notifications').filter({ hasText: 'Promotion approved' }).waitFor();
    await page.goto(base + '/profile');
    await page.getByText(`${name} · biller`).waitFor();
    await page.screenshot({ path: 'artifacts/promotions-requester-notified.png', fullPage: true });
  }],
]);
