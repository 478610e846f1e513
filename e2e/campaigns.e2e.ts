/**
 * Campaigns and attribution: an admin creates a campaign with a UTM key and two costs (total and
 * chart), edits and publishes the channel rules (a new version, history reclassified), copies the
 * tracking snippet; then a visitor tagged with the campaign's key browses and identifies, and the
 * lead shows that campaign's channel as first touch, the page views on its timeline, and the
 * stitch can be undone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  browserAvailable,
  cleanArtifacts,
  screenshot as fullScreenshot,
  launchBrowser,
  newPage,
  pageProblems,
  startServer,
} from './support.ts';

const journey = 'campaigns';
const browserUa =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** A full-page screenshot from the top (the app header is fixed). */
async function screenshot(page: Page, name: string): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
  await fullScreenshot(page, journey, name);
}

describe('campaigns journey', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('runs a campaign from costs to the lead it brought, with channel rules and the tracking snippet', async (t) => {
    if (!browserAvailable(t)) return;
    cleanArtifacts(journey);
    browser = await launchBrowser();
    const { context, page } = await newPage(browser, server.url);
    try {
      await walk(context, page);
    } catch (error) {
      await screenshot(page, 'failure');
      throw error;
    }
  });

  async function pick(page: Page, scope: ReturnType<Page['getByRole']>, label: string, option: string) {
    await scope.getByRole('combobox', { name: label }).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  }

  async function walk(context: BrowserContext, page: Page): Promise<void> {
    const setup = await page.request.post('/api/setup', {
      data: { email: 'ada@example.test', name: 'Ada Admin', password: 'a strong first password' },
    });
    assert.equal(setup.status(), 201);
    const { csrfToken } = (await setup.json()) as { csrfToken: string };
    // A lead from elsewhere, which the campaign's lead list must leave out.
    const other = await page.request.post('/api/v1/leads', {
      data: { email: 'alan@elsewhere.example', firstName: 'Alan' },
      headers: { 'x-csrf-token': csrfToken },
    });
    assert.equal(other.status(), 201);

    // ── Campaigns: empty, then one with a UTM key ──
    await page.goto('/campaigns');
    await page.getByText('No campaigns yet').waitFor();
    await screenshot(page, '00-empty');
    await page.getByRole('button', { name: 'New campaign' }).click();
    const dialog = page.getByRole('dialog', { name: 'New campaign' });
    await dialog.getByLabel('Name').fill('Spring webinar');
    await pick(page, dialog, 'Channel', 'Events');
    await dialog.getByLabel('Starts').fill('2026-10-01');
    await dialog.getByLabel('Ends').fill('2026-12-31');
    const keys = dialog.getByLabel('UTM campaign keys');
    await keys.fill('Spring-Webinar');
    await keys.press('Enter');
    await screenshot(page, '01-new-campaign');
    await dialog.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByRole('heading', { name: 'Spring webinar' }).waitFor();
    const campaignId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
    assert.match(campaignId, /^cmp_/);
    await page.getByText('spring-webinar', { exact: true }).waitFor(); // stored lower-cased

    // ── Two costs, entered in major units ──
    const addCost = async (date: string, amount: string) => {
      await page.getByRole('button', { name: 'Add cost' }).click();
      const d = page.getByRole('dialog', { name: 'Add a cost entry' });
      await d.getByLabel('Date').fill(date);
      await d.getByRole('textbox', { name: 'Amount' }).fill(amount);
      await d.getByRole('button', { name: 'Add cost' }).click();
      await d.waitFor({ state: 'hidden' });
    };
    await addCost('2026-10-05', '1250.50');
    await addCost('2026-11-03', '300');
    const costs = page.getByRole('table', { name: 'Costs' });
    await costs.getByRole('cell', { name: '€1,250.50' }).waitFor();
    await costs.getByRole('cell', { name: '€300.00' }).waitFor();
    await page.getByText('€1,550.50').first().waitFor();
    // Stored as integer minor units.
    const stored = await (await page.request.get(`/api/v1/campaigns/${campaignId}/costs`)).json();
    assert.deepEqual(
      stored.data.map((c: { amount: number; currency: string }) => [c.amount, c.currency]),
      [
        [30_000, 'EUR'],
        [125_050, 'EUR'],
      ],
    );
    // The cost chart has a bar for each month.
    const chart = page.getByLabel('Cost by month');
    await chart.locator('.recharts-bar-rectangle').nth(1).waitFor();
    assert.equal(await chart.locator('.recharts-bar-rectangle').count(), 2);
    await screenshot(page, '02-campaign-detail');

    await page.getByRole('link', { name: 'Campaigns', exact: true }).first().click();
    const row = page.getByRole('row', { name: /Spring webinar/ });
    await row.getByText('€1,550.50').waitFor();
    await row.getByText('Events').waitFor();
    await screenshot(page, '03-campaign-list');

    // ── Channel rules: a new rule in the draft, published as version 2 ──
    await page.getByRole('tab', { name: 'Channel rules' }).click();
    await page.getByText('Same as published').waitFor();
    await page.getByRole('button', { name: 'Add rule' }).click();
    const rule = page.locator('[data-rule-id^="rule-"]').last();
    await rule.getByLabel('Rule name').fill('Partner newsletters');
    await pick(page, rule, 'Channel', 'Email');
    await rule.getByRole('textbox', { name: 'Value' }).fill('partner_mail');
    await page.getByText('Unsaved changes').waitFor();
    // The unsaved draft already decides a test visit.
    const tester = page.getByLabel('Test a visit');
    await tester
      .getByLabel('Landing page URL')
      .fill('https://www.tidewell.example/?utm_source=acme&utm_medium=partner_mail');
    await tester.getByRole('button', { name: 'Classify' }).click();
    await page.getByLabel('Test result').getByText('Rule “Partner newsletters” matched.').waitFor();
    await page.getByLabel('Test result').getByText('Email', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Saved, not published').waitFor();
    await page.getByRole('button', { name: 'Publish…' }).click();
    const publish = page.getByRole('dialog', { name: 'Publish the channel rules' });
    await publish.getByLabel('What changed').fill('Partner newsletters count as email');
    await publish.getByRole('button', { name: 'Publish' }).click();
    await publish.waitFor({ state: 'hidden' });
    const versions = page.getByRole('list', { name: 'Versions' });
    await versions.getByText('Version 2').waitFor();
    await versions.getByText('Partner newsletters count as email').waitFor();
    await versions.getByRole('listitem').filter({ hasText: 'Version 2' }).getByText('Live').waitFor();
    // The reclassification run is polled until it completes.
    await page.locator('[data-status="completed"]').first().waitFor({ timeout: 20_000 });
    await page.getByText('Same as published').waitFor();
    await screenshot(page, '04-channel-rules');
    // Restoring version 1 copies it into the draft; publishing it would go back.
    await versions
      .getByRole('listitem')
      .filter({ hasText: 'Version 1' })
      .getByRole('button', { name: 'Restore' })
      .click();
    await page.getByText('Saved, not published').waitFor();
    await page.locator('[data-rule-id^="rule-"]').waitFor({ state: 'detached' });
    const draft = await (await page.request.get('/api/v1/channel-rules/draft')).json();
    assert.equal(draft.changed, true);
    assert.ok(!draft.definition.rules.some((r: { name: string }) => r.name === 'Partner newsletters'));
    await page.getByRole('button', { name: 'Discard' }).click();
    await page.getByText('Same as published').waitFor();
    const published = await (await page.request.get('/api/v1/channel-rules')).json();
    assert.equal(published.version, 2);
    assert.ok(
      published.definition.rules.some(
        (r: { name: string; channel: string }) => r.name === 'Partner newsletters' && r.channel === 'email',
      ),
    );

    // ── Settings → Tracking: copy the snippet, allow a domain ──
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.goto('/settings/tracking');
    await page.getByRole('tab', { name: 'Tracking' }).waitFor();
    await page.getByRole('button', { name: 'Copy tracking snippet' }).click();
    await page.getByRole('button', { name: 'Copied' }).first().waitFor();
    const copied = (await page.evaluate('navigator.clipboard.readText()')) as string;
    assert.equal(copied, `<script async src="${server.url}/t.js"></script>`);
    const domains = page.getByRole('combobox', { name: 'Allowed domains' });
    await domains.fill('www.tidewell.example');
    await domains.press('Enter');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Tracking settings saved').waitFor();
    const settings = await (await page.request.get('/api/v1/tracking/settings')).json();
    assert.equal(settings.allowedDomains.length, 1);
    assert.match(settings.allowedDomains[0], /tidewell\.example$/);
    await screenshot(page, '05-tracking-settings');

    // ── A visitor from the campaign browses three pages, then identifies ──
    const visitorId = 'e2e-visitor-0001';
    const site = 'https://www.tidewell.example';
    const start = Date.now() - 60_000;
    const pages = [
      {
        path: '/webinar',
        title: 'Spring webinar — sign up',
        q: '?utm_source=webinar-promo&utm_campaign=spring-webinar',
      },
      { path: '/features', title: 'Features', q: '' },
      { path: '/pricing', title: 'Pricing', q: '' },
    ];
    const track = async (events: unknown[]) => {
      const res = await fetch(`${server.url}/api/v1/public/track`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': browserUa, origin: site },
        body: JSON.stringify({ visitorId, sentAt: Date.now(), events }),
      });
      assert.equal(res.status, 202, await res.text());
    };
    await track(
      pages.map((p, i) => ({
        type: 'page',
        at: start + i * 5_000,
        page: {
          url: `${site}${p.path}${p.q}`,
          path: p.path,
          title: p.title,
          referrer: i === 0 ? '' : `${site}${pages[i - 1]!.path}`,
        },
        ...(p.q ? { utm: { source: 'webinar-promo', campaign: 'spring-webinar' }, landing: true } : {}),
      })),
    );
    await track([{ type: 'event', at: start + 16_000, name: 'webinar_registered', props: { seats: 2 } }]);
    await track([
      {
        type: 'identify',
        at: start + 20_000,
        traits: { email: 'grace@tidewell.example', firstName: 'Grace' },
      },
    ]);
    const found = await (await page.request.get('/api/v1/leads?q=grace%40tidewell.example')).json();
    assert.equal(found.data.length, 1);
    const lead = found.data[0];
    assert.equal(lead.firstTouch.channel, 'events');
    assert.equal(lead.firstTouch.campaignId, campaignId);

    // The campaign counts the lead and charts it by week.
    await page.goto(`/campaigns/${encodeURIComponent(campaignId)}`);
    await page.getByLabel('Leads by week').locator('.recharts-bar-rectangle').first().waitFor();
    await page.getByText('1 lead came in through this campaign first.').waitFor();
    await screenshot(page, '06-campaign-with-lead');
    await page.getByRole('link', { name: 'Open in the lead list' }).click();
    await page.getByRole('link', { name: /Grace/ }).first().waitFor();
    assert.match(page.url(), /firstTouchCampaignId=/);
    await page.getByText('1–1 of 1').waitFor();
    assert.equal(await page.getByRole('link', { name: /Alan/ }).count(), 0);
    await screenshot(page, '07-leads-of-campaign');

    // ── The lead: first touch, the visit on the timeline, the stitch ──
    await page.goto(`/leads/${encodeURIComponent(lead.id)}`);
    const touches = page.getByRole('group', { name: 'First touch' });
    await touches.getByText('Events').waitFor();
    await touches.getByRole('link', { name: 'Spring webinar' }).waitFor();
    await touches.getByText('webinar-promo / —').waitFor();
    const timeline = page.getByLabel('Timeline');
    for (const p of pages) await timeline.getByText(`Viewed “${p.title}”`).waitFor();
    await timeline.getByText('Event: webinar_registered').waitFor();
    await timeline.getByText('Identified on the website').waitFor();
    await timeline.getByText('Visit start').waitFor();
    const landing = page.locator('[data-type="page_viewed"]').filter({ hasText: 'Spring webinar — sign up' });
    await landing.getByLabel('Attribution').getByText('Events').waitFor();
    await landing.getByLabel('Attribution').getByText('Spring webinar').waitFor();
    const visitors = page.getByLabel('Website visitors');
    await visitors.getByText(visitorId).waitFor();
    await screenshot(page, '08-lead-detail');

    // Undo the stitch: the page views leave the lead again.
    await visitors.getByRole('button', { name: 'Undo' }).click();
    const confirm = page.getByRole('dialog', { name: 'Undo this link?' });
    await confirm.getByRole('button', { name: 'Undo link' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await visitors.getByText('Undone', { exact: true }).waitFor();
    await timeline.getByText('Browser un-linked').waitFor();
    await timeline.getByText('Viewed “Features”').waitFor({ state: 'detached' });
    const stitches = await (await page.request.get(`/api/v1/leads/${lead.id}/stitches`)).json();
    assert.equal(stitches.data.length, 1);
    assert.ok(stitches.data[0].undoneAt);
    // Its first touch came with the browser, so it goes too.
    await page.getByLabel('First and last touch').getByText('No visit, form submission').waitFor();
    const afterUndo = await (await page.request.get(`/api/v1/leads/${lead.id}`)).json();
    assert.equal(afterUndo.firstTouch, null);
    await screenshot(page, '09-stitch-undone');

    // Linking the browser again by its visitor id brings the visit back (a server-side identify).
    await visitors.getByRole('button', { name: 'Link a browser by its visitor id…' }).click();
    await visitors.getByLabel('Visitor id').fill(visitorId);
    await visitors.getByRole('button', { name: 'Link', exact: true }).click();
    await timeline.getByText('Viewed “Features”').waitFor();
    await page
      .getByRole('group', { name: 'First touch' })
      .getByRole('link', { name: 'Spring webinar' })
      .waitFor();
    await visitors.getByRole('button', { name: 'Undo' }).waitFor();

    assert.deepEqual(pageProblems(page), []);
  }
});
