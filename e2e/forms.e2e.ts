/**
 * Forms: an admin builds a form (lead fields, a custom field, a hidden field, a versioned consent
 * box) watching the live preview follow, sees a validation error beside its setting, publishes,
 * copies the embed code, sends the hosted page as a visitor (with markup in the name), finds the
 * submission and follows it to the lead.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { screenshot as fullScreenshot, pageProblems, startServer, walkJourney } from './support.ts';

async function screenshot(page: Page, name: string, step: string): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
  await fullScreenshot(page, name, step);
}

const journey = 'forms';
const markupName = '<b>Eve</b>';

describe('forms journey', () => {
  let server: Awaited<ReturnType<typeof startServer>>;

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.close();
  });

  it('builds, publishes, embeds and receives a form', async (t) => {
    await walkJourney(t, journey, server.url, (page, context) => walk(context, page));
  });

  async function walk(context: BrowserContext, page: Page): Promise<void> {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });

    // An admin (signed in on this page) and two custom fields to ask for and to fill unseen.
    const setup = await page.request.post('/api/setup', {
      data: { email: 'ada@example.test', name: 'Ada Admin', password: 'a strong first password' },
    });
    assert.equal(setup.status(), 201);
    const { csrfToken } = (await setup.json()) as { csrfToken: string };
    for (const field of [
      { key: 'budget_band', label: 'Budget band', type: 'select', options: ['Small', 'Medium', 'Large'] },
      { key: 'landing_page', label: 'Landing page', type: 'text' },
    ]) {
      const res = await page.request.post('/api/v1/custom-fields', {
        data: { ...field, mergeRule: 'newest' },
        headers: { 'x-csrf-token': csrfToken },
      });
      assert.equal(res.status(), 201, await res.text());
    }

    // No forms yet: the page says what forms are for.
    await page.goto('/forms');
    await page.getByText('No forms yet').waitFor();
    await page.getByText('A form turns visitors into leads').waitFor();
    await screenshot(page, journey, '01-empty');

    // A new form starts with email, names and company; the preview draws it.
    await page.getByRole('link', { name: 'New form' }).click();
    await page.waitForURL(/\/forms\/new$/);
    const preview = page.frameLocator('iframe[title="Form preview"]');
    await preview.getByRole('heading', { name: 'Untitled form' }).waitFor();
    // Saving a new form without a name says, beside the name, what is missing.
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('cannot be empty', { exact: true }).waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Name' }).getAttribute('aria-invalid'), 'true');
    await page.getByRole('textbox', { name: 'Name' }).fill('Spring webinar');
    await preview.getByRole('heading', { name: 'Spring webinar' }).waitFor();
    await preview.getByRole('textbox', { name: /Work email/ }).waitFor();

    // Add a lead field and a custom field; rename one and move it up.
    await addField(page, 'Job title');
    await addField(page, 'Budget band');
    await preview.getByRole('combobox', { name: 'Budget band' }).waitFor();
    const budgetOptions = await preview
      .getByRole('combobox', { name: 'Budget band' })
      .locator('option')
      .allTextContents();
    assert.deepEqual(budgetOptions, ['Choose…', 'Small', 'Medium', 'Large']);
    const jobTitle = page.getByRole('group', { name: 'Field Job title' });
    await jobTitle.getByRole('textbox', { name: 'Label' }).fill('Your role');
    await preview.getByRole('textbox', { name: 'Your role' }).waitFor();
    const role = page.getByRole('group', { name: 'Field Your role' });
    await role.getByRole('textbox', { name: 'Help text' }).fill('So we can tailor the session');
    await preview.getByText('So we can tailor the session').waitFor();
    await page.getByRole('button', { name: 'Move Your role up' }).click();
    assert.deepEqual(await previewLabels(page), [
      'Work email',
      'First name',
      'Last name',
      'Your role',
      'Company',
      'Budget band',
    ]);
    // Offer only some of the custom field's choices.
    await page.getByRole('button', { name: 'More settings for Budget band' }).click();
    const offered = page
      .getByRole('group', { name: 'Field Budget band' })
      .getByRole('combobox', { name: 'Choices offered' });
    for (const choice of ['Medium', 'Large']) {
      await offered.fill(choice);
      await page.getByRole('option', { name: choice }).click();
    }
    await page.keyboard.press('Escape');
    await waitFor(
      async () =>
        JSON.stringify(
          await preview.getByRole('combobox', { name: 'Budget band' }).locator('option').allTextContents(),
        ) === JSON.stringify(['Choose…', 'Medium', 'Large']),
    );
    await page.getByRole('switch', { name: 'Budget band is required' }).click();
    await preview.locator('select[name="budget_band"][required]').waitFor();
    // Remove the company field.
    await page.getByRole('button', { name: 'Remove Company' }).click();
    assert.deepEqual(await previewLabels(page), [
      'Work email',
      'First name',
      'Last name',
      'Your role',
      'Budget band',
    ]);

    // A hidden field: the landing page's URL into the custom field.
    await page.getByRole('button', { name: 'Add hidden field' }).click();
    const hidden = page.getByRole('group', { name: 'Hidden field 1' });
    await hidden.getByRole('combobox', { name: 'Fill this field' }).click();
    await page.getByRole('option', { name: 'Landing page' }).click();
    await hidden.getByRole('combobox', { name: 'With' }).click();
    await page.getByRole('option', { name: 'URL of the page' }).click();
    await page.getByText('landing_page ← URL of the page').waitFor();

    // A consent box whose text links the privacy policy.
    await page.getByRole('button', { name: 'Add consent checkbox' }).click();
    await page.getByRole('menuitem', { name: 'Email marketing consent' }).click();
    const consent = page.getByRole('group', { name: 'Consent Email marketing' });
    await consent
      .getByRole('textbox', { name: 'Text' })
      .fill(
        'Send me the recording and news by email. See our [privacy policy](https://example.com/privacy).',
      );
    await preview.getByRole('link', { name: 'privacy policy' }).waitFor();
    await preview.getByRole('checkbox', { name: /Send me the recording/ }).waitFor();
    await consent.getByText('New: version 1 on save').waitFor();

    // Settings: submit label, a quick minimum fill time, someone to notify.
    await page.getByRole('textbox', { name: 'Submit button' }).fill('Save my seat');
    await preview.getByRole('button', { name: 'Save my seat' }).waitFor();
    await page.getByRole('textbox', { name: 'Thank-you message' }).fill('See you there!');
    await page.getByRole('textbox', { name: 'Minimum fill time (seconds)' }).fill('1');
    await page.getByRole('combobox', { name: 'People to notify' }).click();
    await page.getByRole('option', { name: /Ada Admin/ }).click();
    await page.keyboard.press('Escape');

    // A bad redirect URL: the error shows beside the field, nothing is saved.
    await page.getByRole('textbox', { name: 'Redirect URL' }).fill('www.example.com/thanks');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('The form was not saved').waitFor();
    const redirect = page.getByRole('textbox', { name: 'Redirect URL' });
    assert.equal(await redirect.getAttribute('aria-invalid'), 'true');
    const describedBy = (await redirect.getAttribute('aria-describedby')) ?? '';
    const errorText = await page
      .locator(`[id="${describedBy.split(' ').find((id) => id.endsWith('error'))}"]`)
      .textContent();
    assert.match(errorText ?? '', /starting with https:\/\//);
    await screenshot(page, journey, '02-validation-error');
    assert.equal(page.url().endsWith('/forms/new'), true);
    await redirect.fill('');

    // Save: the form gets its address from its name and the consent text its first version.
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.waitForURL(/\/forms\/form_/);
    await page.getByText('Will live at').waitFor();
    await page.getByRole('link', { name: '/f/spring-webinar' }).waitFor();
    await consent.getByText('Version 1', { exact: true }).waitFor();

    // Change the consent wording: saving makes version 2, and the history shows both.
    await consent
      .getByRole('textbox', { name: 'Text' })
      .fill(
        'Email me the recording and occasional news. See our [privacy policy](https://example.com/privacy).',
      );
    await consent.getByText('Changed: version 2 on save').waitFor();
    await page.getByText('Unsaved changes').waitFor();
    // Leaving with unsaved changes asks first.
    await page.getByRole('link', { name: 'Forms' }).first().click();
    const leave = page.getByRole('dialog', { name: 'Leave without saving?' });
    await leave.getByRole('button', { name: 'Keep editing' }).click();
    await leave.waitFor({ state: 'hidden' });
    assert.match(page.url(), /\/forms\/form_/);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await consent.getByText('Version 2', { exact: true }).waitFor();
    await consent.getByRole('button', { name: 'Version history (2)' }).click();
    const history = consent.getByLabel('Version history', { exact: true });
    await history.getByText('Send me the recording and news by email', { exact: false }).waitFor();
    await history.getByText('Email me the recording and occasional news', { exact: false }).waitFor();
    await closeNotifications(page);
    await screenshot(page, journey, '03-builder-preview');
    await page.screenshot({ path: 'test-artifacts/screenshots/forms/03b-builder-viewport.png' });

    const previewed = await previewLabels(page);
    const previewedConsent = await preview.locator('.ll-consent label').textContent();

    // Publish.
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Live at /f/spring-webinar', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Unpublish' }).waitFor();

    // Share: the page URL and the one-tag embed, each copied with a click.
    await page.getByRole('tab', { name: 'Share and embed' }).click();
    const snippet = await page.getByLabel('Embed code', { exact: true }).textContent();
    assert.equal(
      snippet,
      `<script src="${server.url}/embed.js" data-leadloop-form="spring-webinar" async></script>`,
    );
    await page.getByRole('button', { name: 'Copy embed code' }).click();
    await page.getByRole('button', { name: 'Embed code copied' }).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), snippet);
    assert.equal(
      await page.getByLabel('Hosted page URL', { exact: true }).textContent(),
      `${server.url}/f/spring-webinar`,
    );
    await closeNotifications(page);
    await screenshot(page, journey, '04-embed');

    // The hosted page opens in a new tab; a visitor arrives with UTM values and sends it.
    const [visitor] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('link', { name: 'Open the page' }).click(),
    ]);
    await visitor.waitForLoadState();
    assert.equal(visitor.url(), `${server.url}/f/spring-webinar`);
    await visitor.goto('/f/spring-webinar?utm_source=newsletter&utm_medium=email&utm_campaign=spring-launch');
    await visitor.getByRole('heading', { name: 'Spring webinar' }).waitFor();
    // The page draws what the preview drew.
    const hosted = await visitor
      .locator('.ll-field > .ll-label, .ll-field > legend.ll-label')
      .allTextContents();
    assert.deepEqual(
      hosted.map((l) => l.replace(/\*$/, '').trim()),
      previewed,
    );
    assert.equal(await visitor.locator('.ll-consent label').textContent(), previewedConsent);
    await visitor.getByRole('textbox', { name: 'Work email' }).fill('eve@example.test');
    await visitor.getByRole('textbox', { name: 'First name' }).fill(markupName);
    await visitor.getByRole('textbox', { name: 'Last name' }).fill('Example');
    await visitor.getByRole('textbox', { name: 'Your role' }).fill('Head of growth');
    await visitor.getByRole('combobox', { name: 'Budget band' }).selectOption('Large');
    await visitor.getByRole('checkbox', { name: /Email me the recording/ }).check();
    await fullScreenshot(visitor, journey, '05-hosted-page');
    // The form asks people to take at least a second.
    await visitor.waitForTimeout(1200);
    await visitor.getByRole('button', { name: 'Save my seat' }).click();
    try {
      await visitor.getByText('See you there!').waitFor();
    } catch (error) {
      await fullScreenshot(visitor, journey, 'failure-visitor');
      throw error;
    }
    await visitor.close();

    // The submission shows in its tab: markup in the name as text, the campaign, accepted.
    await page.getByRole('tab', { name: /Submissions/ }).click();
    const table = page.getByRole('table', { name: 'Submissions' });
    await table.getByRole('link', { name: 'eve@example.test' }).waitFor();
    await table.getByText(`${markupName} Example`).waitFor();
    assert.equal(await page.locator('b', { hasText: 'Eve' }).count(), 0);
    await table.getByText('spring-launch', { exact: true }).waitFor();
    await table.getByText('Accepted').waitFor();
    await table.getByText('/f/spring-webinar?utm_source=newsletter', { exact: false }).waitFor();
    await page.getByText('1 accepted').waitFor();
    assert.equal(await page.getByRole('tab', { name: /Submissions/ }).textContent(), 'Submissions1');
    await closeNotifications(page);
    await screenshot(page, journey, '06-submissions');
    await page.getByRole('button', { name: 'Answers of eve@example.test' }).click();
    const answers = page.getByRole('dialog', { name: 'Submitted answers' });
    await answers.getByText('Head of growth').waitFor();
    await answers.getByText('Large').waitFor();
    await answers.getByText(/\/marketing\/v2$/).waitFor();
    await page.keyboard.press('Escape');
    await answers.waitFor({ state: 'hidden' });

    // Follow it to the lead: the answers, the hidden page URL and the name as text.
    await table.getByRole('link', { name: 'eve@example.test' }).click();
    await page.waitForURL(/\/leads\//);
    await page.getByRole('heading', { name: `${markupName} Example`, level: 2 }).waitFor();
    assert.equal(await page.locator('b', { hasText: 'Eve' }).count(), 0);
    const customFields = page.locator('dl[aria-label="Custom fields"]');
    await customFields.getByText('Large').waitFor();
    await customFields.getByText('/f/spring-webinar', { exact: false }).waitFor();

    // The list counts the submission.
    await page.goto('/forms');
    const list = page.getByRole('table', { name: 'Forms' });
    const row = list.getByRole('row', { name: /Spring webinar/ });
    await row.getByText('Published').waitFor();
    assert.equal((await row.getByRole('cell').nth(2).textContent())?.trim(), '1');
    await row.getByText(/ago|now/).waitFor();
    await screenshot(page, journey, '07-list');

    // Paging: 26 more submissions (through the same submit path the endpoints use) make two pages.
    const formId = (await list.getByRole('link', { name: 'Spring webinar' }).getAttribute('href'))!
      .split('/')
      .pop()!;
    const forms = server.app.runtime.api.forms;
    const loaded = await forms.byIdCached(formId);
    assert.ok(loaded);
    for (let i = 1; i <= 26; i++) {
      await forms.submit({
        form: loaded,
        via: 'api',
        token: forms.renderToken(formId, Date.now() - 60_000),
        raw: { values: { email: `guest${i}@example.test`, budget_band: 'Medium' }, consents: {} },
      });
    }
    await page.goto(`/forms/${formId}?tab=submissions`);
    await table.getByRole('link', { name: 'guest26@example.test' }).waitFor();
    assert.equal(await table.locator('tbody tr').count(), 25);
    await page.getByRole('button', { name: 'Older' }).click();
    await table.getByRole('link', { name: 'eve@example.test' }).waitFor();
    assert.equal(await table.locator('tbody tr').count(), 2);
    await page.getByRole('button', { name: 'Newer' }).click();
    await table.getByRole('link', { name: 'guest26@example.test' }).waitFor();
    await page.getByText('27 accepted').waitFor();
    await page.goto('/forms');

    // Dark theme: the builder beside its preview.
    await page.getByRole('button', { name: 'Toggle color scheme' }).click();
    await list.getByRole('link', { name: 'Spring webinar' }).click();
    await page
      .frameLocator('iframe[title="Form preview"]')
      .getByRole('heading', { name: 'Spring webinar' })
      .waitFor();
    await page.screenshot({ path: 'test-artifacts/screenshots/forms/08-builder-dark.png' });

    assert.deepEqual(pageProblems(page), []);
  }
});

/** Polls a condition the page reaches on its own (a re-render), up to the page timeout. */
async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail('the page never reached the expected state');
}

/** Closes the notifications in the corner so they do not cover a screenshot. */
async function closeNotifications(page: Page): Promise<void> {
  for (const button of await page.locator('.mantine-Notification-root .mantine-CloseButton-root').all())
    await button.click().catch(() => undefined);
  await page.locator('.mantine-Notification-root').first().waitFor({ state: 'detached' });
}

async function addField(page: Page, label: string): Promise<void> {
  await page.getByRole('combobox', { name: 'Add a field' }).click();
  await page.getByRole('option', { name: label, exact: true }).click();
  await page.getByRole('group', { name: `Field ${label}` }).waitFor();
}

/** The labels the preview shows, in order. */
async function previewLabels(page: Page): Promise<string[]> {
  const labels = await page
    .frameLocator('iframe[title="Form preview"]')
    .locator('.ll-field > .ll-label, .ll-field > legend.ll-label')
    .allTextContents();
  return labels.map((l) => l.replace(/\*$/, '').trim());
}
