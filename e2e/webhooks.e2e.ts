/**
 * Webhooks: an admin adds a webhook pointing at a local receiver, keeps the secret shown once, a
 * lead created through the API arrives signed at the receiver and shows as delivered in the log;
 * replaying it sends it again as a new attempt. A marketer may add webhooks too, but only to public
 * https addresses, and may not change the admin's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { type Receiver, startReceiver } from '../server/modules/webhooks/webhooks.receiver.ts';
import { newPage, pageProblems, screenshot, startServer, walkJourney } from './support.ts';

const journey = 'webhooks';

describe('webhooks journey', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let receiver: Receiver;
  let secret: string | undefined;
  before(async () => {
    server = await startServer();
    receiver = await startReceiver({ secret: () => secret });
  });
  after(async () => {
    await receiver?.close();
    await server?.close();
  });

  it('adds a webhook, sees a lead delivered signed, and replays it', async (t) => {
    await walkJourney(t, journey, server.url, walk);
  });

  async function walk(page: Page): Promise<void> {
    const setup = await page.request.post('/api/setup', {
      data: { email: 'wes@example.test', name: 'Wes Admin', password: 'a strong first password' },
    });
    assert.equal(setup.status(), 201);
    const { csrfToken } = (await setup.json()) as { csrfToken: string };

    await page.goto('/settings/webhooks');
    await page.getByText('No webhooks yet').waitFor();
    await page.getByRole('button', { name: 'Add webhook' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Add webhook' });
    // A plain-http address that is not loopback is refused, naming the field.
    await dialog.getByLabel('Endpoint URL').fill('http://crm.example.com/hooks');
    await dialog.getByRole('button', { name: 'Add webhook' }).click();
    await dialog.getByText(/must use https/).waitFor();
    await dialog.getByLabel('Endpoint URL').fill(receiver.url);
    assert.equal(await dialog.getByText(/must use https/).count(), 0);
    await dialog.getByLabel('Description').fill('Local CRM sync');
    await screenshot(page, journey, '01-create');
    await dialog.getByRole('button', { name: 'Add webhook' }).click();
    const shown = page.getByTestId('webhook-secret');
    await shown.waitFor();
    secret = (await shown.innerText()).trim();
    assert.match(secret, /^whsec_/);
    await screenshot(page, journey, '02-secret-once');
    await page.getByRole('button', { name: 'Done' }).click();

    const row = page.getByRole('table', { name: 'Webhook subscriptions' }).getByRole('row').nth(1);
    await row.getByText(receiver.url).waitFor();
    await row.getByText('Active').waitFor();

    // A lead created through the API goes out as lead.created.
    const created = await page.request.post('/api/v1/leads', {
      data: { email: 'grace@example.test', firstName: 'Grace', lastName: 'Hopper' },
      headers: { 'x-csrf-token': csrfToken },
    });
    assert.equal(created.status(), 201, await created.text());
    const log = page.getByRole('table', { name: 'Deliveries' });
    await log.getByText('lead.created').waitFor({ timeout: 15_000 });
    await log.getByText('delivered').waitFor({ timeout: 15_000 });
    await log.getByText('HTTP 200').waitFor();
    assert.equal(receiver.received.length, 1);
    assert.equal(receiver.received[0]!.verified, true, receiver.received[0]!.reason ?? '');
    assert.equal(
      (receiver.received[0]!.body.data as { lead: { email: string } }).lead.email,
      'grace@example.test',
    );
    await screenshot(page, journey, '03-delivered');

    // Replay: sent again with the same delivery id, a second attempt.
    await log.getByRole('button', { name: 'Replay' }).click();
    await page.getByText(/Replayed: HTTP 200/).waitFor();
    assert.equal(receiver.received.length, 2);
    assert.equal(receiver.received[1]!.deliveryId, receiver.received[0]!.deliveryId);
    await log.getByRole('cell', { name: '2', exact: true }).waitFor();
    await log.getByRole('button', { name: 'Details' }).click();
    const detail = page.getByRole('dialog', { name: 'Delivery' });
    await detail.getByRole('cell', { name: 'replay' }).waitFor();
    await detail.getByText('Body').waitFor();
    await page.waitForTimeout(400); // let the dialog finish fading in before the picture
    await screenshot(page, journey, '04-delivery-detail');
    await page.keyboard.press('Escape');

    // A test ping, then pausing the webhook.
    await page.getByRole('button', { name: 'Test' }).click();
    await page.getByText(/Test ping delivered/).waitFor();
    assert.equal(receiver.received.at(-1)!.event, 'webhook.ping');
    await page.getByRole('switch', { name: `Enabled: ${receiver.url}` }).click({ force: true });
    await row.getByText('Paused').waitFor();
    await screenshot(page, journey, '05-paused');

    // How an automatically disabled subscription looks (the failures themselves are driven in the
    // module's tests with a manual clock): the reason shows, and the switch re-enables it.
    await server.app.runtime.database.db
      .updateTable('webhook_subscriptions')
      .set({
        active: 0,
        disabled_at: Date.now(),
        disabled_reason: 'Disabled automatically after 5 failed deliveries in a row',
        consecutive_failures: 5,
      })
      .execute();
    await row.getByText('Auto-disabled').waitFor({ timeout: 10_000 });
    await row.getByText(/after 5 failed deliveries in a row/).waitFor();
    await screenshot(page, journey, '06-auto-disabled');
    await page.getByRole('switch', { name: `Enabled: ${receiver.url}` }).click({ force: true });
    await row.getByText('Active').waitFor();
    assert.equal(await row.getByText('Auto-disabled').count(), 0);

    // A marketer: Settings shows only Webhooks; the admin's loopback webhook is locked; a private
    // address is refused naming the rule; a public https endpoint is accepted.
    const password = 'a long enough password';
    const user = await page.request.post('/api/v1/users', {
      data: { email: 'mia@example.test', name: 'Mia Marketing', role: 'marketing', password },
      headers: { 'x-csrf-token': csrfToken },
    });
    assert.equal(user.status(), 201, await user.text());
    const marketer = (await newPage(page.context().browser()!, server.url)).page;
    await marketer.goto('/login');
    await marketer.getByLabel('Email').fill('mia@example.test');
    await marketer.getByRole('textbox', { name: 'Password', exact: true }).fill(password);
    await marketer.getByRole('button', { name: 'Sign in' }).click();
    await marketer.waitForURL((url) => !url.pathname.startsWith('/login'));
    await marketer.getByRole('link', { name: 'Settings' }).click();
    await marketer.waitForURL(/\/settings\/webhooks$/);
    assert.deepEqual(await marketer.getByRole('tab').allInnerTexts(), ['Webhooks']);
    const locked = marketer.getByRole('table', { name: 'Webhook subscriptions' }).getByRole('row').nth(1);
    await locked.getByText('Set up by an admin').waitFor();
    assert.equal(await locked.getByRole('button', { name: 'Test' }).isDisabled(), true);
    await marketer.getByRole('button', { name: 'Add webhook' }).first().click();
    const add = marketer.getByRole('dialog', { name: 'Add webhook' });
    await add.getByText('https to a public address (internal systems are set up by an admin)').waitFor();
    await add.getByLabel('Endpoint URL').fill('https://10.1.2.3/hooks');
    await add.getByRole('button', { name: 'Add webhook' }).click();
    await add.getByText(/10\.1\.2\.3 is a private or reserved address/).waitFor();
    await screenshot(marketer, journey, '07-marketing-private-refused');
    await add.getByLabel('Endpoint URL').fill('https://hooks.example.com/leadloop');
    await add.getByRole('button', { name: 'Add webhook' }).click();
    await marketer.getByTestId('webhook-secret').waitFor();
    await marketer.getByRole('button', { name: 'Done' }).click();
    const mine = marketer
      .getByRole('table', { name: 'Webhook subscriptions' })
      .getByRole('row', { name: /hooks\.example\.com/ });
    await mine.getByRole('button', { name: 'Test' }).waitFor();
    assert.equal(await mine.getByRole('button', { name: 'Test' }).isDisabled(), false);
    assert.equal(await mine.getByText('Set up by an admin').count(), 0);
    await screenshot(marketer, journey, '08-marketing-list');
    assert.deepEqual(pageProblems(marketer), []);
  }
});
