// The auditor and admin pages in a real (Debian) Chromium against the real API, PostgreSQL and Redis: an auditor
// filters the decision history, opens an item's timeline with its diff, and downloads the filtered CSV; an admin
// pauses a queue (a service then gets 423 QUEUE_PAUSED), creates a queue, and creates an API key whose key and
// webhook secret are shown once, then revokes it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type RunningApi, startApi } from '../support/api-harness.js';
import {
  activeTestId,
  artifactPath,
  assertChromium,
  byTestId,
  closeChromium,
  launchChromium,
  openPage,
  screenshot,
  signIn,
  WAIT,
} from '../support/browser.js';
import { parseCsv } from '../support/csv.js';
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser, uniqueSlug } from '../support/factories.js';
import { ADMIN, createTestEnv, type TestEnv } from '../support/test-env.js';

const SERVICE = 'support-bot';

const SHOTS = {
  decisions: artifactPath('audit-decisions.png'),
  timeline: artifactPath('audit-timeline.png'),
  queues: artifactPath('admin-queues.png'),
  apiKey: artifactPath('admin-api-key-created.png'),
  alertSecret: artifactPath('admin-queue-alert-secret.png'),
  queueForm: artifactPath('admin-queue-form.png'),
};

/** The decisions the reviewer makes, in this order (so the history lists them the other way round). */
const PLAN = [
  { externalId: 'ticket-approve', verdict: 'approve' },
  {
    externalId: 'ticket-correct',
    verdict: 'correct',
    comment: 'The customer asks for a refund, not a complaint.',
  },
  { externalId: 'ticket-reject', verdict: 'reject', comment: 'Spam.' },
] as const;
const CORRECTED = { label: 'refund_request' };

const rowsOf = (page: Page) =>
  page.locator('[data-testid="decision-row"]').evaluateAll((rows) =>
    rows.map((row) => ({
      externalId: row.getAttribute('data-external-id'),
      verdict: row.getAttribute('data-verdict'),
      decidedAt: row.getAttribute('data-decided-at'),
      itemId: row.getAttribute('data-item-id'),
    })),
  );

/** Waits until the decision history has loaded for the current filter. */
const decisionsSettled = (page: Page) =>
  page.locator('[data-testid="decisions"][aria-busy="false"]').waitFor({ timeout: WAIT });

describe('auditor and admin UI in Chromium', { timeout: 240_000 }, () => {
  let env: TestEnv | undefined;
  let api: RunningApi | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let adminToken: string;
  let slug: string;
  let serviceKey: string;
  let reviewer: { email: string; token: string };
  let auditor: { email: string; password: string; token: string };
  const itemIds: Record<string, string> = {};
  /** External ids in the order they were decided. */
  const decided: string[] = [];
  const pageErrors: string[] = [];

  const submit = (key: string, externalId = `late-${uniqueSlug('x')}`) =>
    api!.client.post(`/api/v1/queues/${slug}/items`, itemBody({ externalId }), { apiKey: key });

  before(async () => {
    assertChromium();
    env = await createTestEnv();
    api = await startApi(env.config());
    const client = api.client;
    adminToken = await loginAdmin(client);

    slug = (await newQueue(client, adminToken, { slug: uniqueSlug('support'), name: 'Support triage' })).slug;
    reviewer = await newUser(client, adminToken, ['reviewer'], [slug]);
    auditor = await newUser(client, adminToken, ['auditor']);
    serviceKey = (await newServiceKey(client, adminToken, [slug], SERVICE)).key;

    for (const step of PLAN) {
      const res = await submit(serviceKey, step.externalId);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      itemIds[step.externalId] = res.body.id;
    }
    // Claim whatever comes next and decide it as planned for its external id, one after the other.
    for (let i = 0; i < PLAN.length; i++) {
      const claimed = await client.post(`/api/v1/queues/${slug}/claim`, undefined, { token: reviewer.token });
      assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
      const step = PLAN.find((p) => p.externalId === claimed.body.item.externalId)!;
      const body: Record<string, unknown> = { verdict: step.verdict };
      if ('comment' in step) body['comment'] = step.comment;
      if (step.verdict === 'correct') body['output'] = CORRECTED;
      const res = await client.post(`/api/v1/claims/${claimed.body.claim.token}/decision`, body, {
        token: reviewer.token,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      decided.push(step.externalId);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(decided.length, PLAN.length);

    browser = await launchChromium();
    ({ context, page } = await openPage(browser, pageErrors, { acceptDownloads: true }));
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: api.url });
  });

  after(async () => {
    await closeChromium(browser, [context]);
    await api?.close().catch(() => undefined);
    await env?.cleanup();
  });

  it('an auditor lands on the decision history, newest first, with the chain status', async () => {
    await signIn(page, api!.url, auditor.email, auditor.password, '/audit');
    assert.equal(await byTestId(page, 'login-form').count(), 0);
    // Audit and monitoring only: no links to the review or admin pages.
    assert.deepEqual(
      await page
        .locator('[data-testid^="nav-"]')
        .evaluateAll((links) => links.map((a) => a.getAttribute('data-testid'))),
      ['nav-audit', 'nav-monitoring'],
    );

    const chain = page.locator('[data-testid="chain-status"][data-valid="true"]');
    await chain.waitFor({ state: 'visible', timeout: WAIT });
    assert.match(await chain.innerText(), /Chain valid — sealed up to [\d,]+ events?/);

    await decisionsSettled(page);
    const rows = await rowsOf(page);
    assert.deepEqual(
      rows.map((r) => r.externalId),
      [...decided].reverse(),
      'the last decision comes first',
    );
    const times = rows.map((r) => Date.parse(r.decidedAt!));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    );
    const correctRow = page.locator('[data-testid="decision-row"][data-external-id="ticket-correct"]');
    assert.ok((await correctRow.innerText()).includes(reviewer.email));
    await screenshot(page, SHOTS.decisions);
  });

  it('filters the history: a bad reviewer shows the API error, then verdict and reviewer narrow it', async () => {
    // Keyboard only: type in the filter fields and submit with Enter.
    await byTestId(page, 'filter-reviewer').focus();
    await page.keyboard.type('nobody');
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('reviewer') === 'nobody', { timeout: WAIT });
    const error = page.locator('[data-testid="decisions-error"][data-code="VALIDATION_FAILED"]');
    await error.waitFor({ state: 'visible', timeout: WAIT });
    assert.match(await error.innerText(), /VALIDATION_FAILED/);
    assert.equal(await activeTestId(page), 'filter-reviewer', 'the focus stays in the form');
    // Exporting that filter fails the same way, with the API's code and message.
    await byTestId(page, 'export-csv').click();
    const exportError = page.locator('[data-testid="export-error"][data-code="VALIDATION_FAILED"]');
    await exportError.waitFor({ state: 'visible', timeout: WAIT });
    assert.match(await exportError.innerText(), /reviewer/);

    await byTestId(page, 'filter-verdict').selectOption('correct');
    await byTestId(page, 'filter-reviewer').fill(reviewer.email);
    await byTestId(page, 'filter-reviewer').press('Enter');
    await page.waitForURL((url) => url.searchParams.get('verdict') === 'correct', { timeout: WAIT });
    await decisionsSettled(page);
    assert.equal(await byTestId(page, 'decisions-error').count(), 0);
    const rows = await rowsOf(page);
    assert.deepEqual(
      rows.map((r) => [r.externalId, r.verdict]),
      [['ticket-correct', 'correct']],
    );
    assert.equal(new URL(page.url()).searchParams.get('reviewer'), reviewer.email);

    // A model nobody used: the empty state.
    await byTestId(page, 'filter-model').fill('no-such-model');
    await byTestId(page, 'filter-apply').click();
    await decisionsSettled(page);
    await byTestId(page, 'decisions-empty').waitFor({ state: 'visible', timeout: WAIT });
    await page.goBack();
    await decisionsSettled(page);
    assert.equal(await page.locator('[data-testid="decision-row"]').count(), 1);
  });

  it("opens an item's timeline: every event with its actor and time, and the diff", async () => {
    await page.locator('[data-testid="decision-row"][data-external-id="ticket-correct"] a').click();
    await page.waitForURL(`**/audit/items/${itemIds['ticket-correct']}?**`, { timeout: WAIT });
    await byTestId(page, 'timeline').waitFor({ state: 'visible', timeout: WAIT });
    assert.equal((await byTestId(page, 'item-status').innerText()).trim().toLowerCase(), 'corrected');

    const events = await page.locator('[data-testid="timeline-event"]').evaluateAll((nodes) =>
      nodes.map((node) => ({
        action: node.getAttribute('data-action'),
        actor: node.querySelector('[data-testid="event-actor"]')?.textContent ?? '',
        time: node.querySelector('time')?.getAttribute('datetime') ?? '',
      })),
    );
    assert.deepEqual(
      events.map((e) => e.action),
      ['item.received', 'item.claimed', 'item.decided'],
    );
    assert.match(events[0]!.actor, new RegExp(`service\\s*${SERVICE}`));
    assert.match(events[1]!.actor, new RegExp(`user\\s*${reviewer.email.replace(/\./g, '\\.')}`));
    assert.match(events[2]!.actor, new RegExp(reviewer.email.replace(/\./g, '\\.')));
    for (const e of events) assert.ok(!Number.isNaN(Date.parse(e.time)), `event time ${e.time}`);

    // The diff between the AI's output and the final one.
    const op = page.locator('[data-testid="patch-op"][data-op="replace"][data-path="/label"]');
    await op.waitFor({ state: 'visible', timeout: WAIT });
    assert.match(await op.innerText(), /"complaint".*"refund_request"/s);
    await byTestId(page, 'diff-line-added').filter({ hasText: '"label": "refund_request"' }).waitFor();
    await byTestId(page, 'diff-line-removed').filter({ hasText: '"label": "complaint"' }).waitFor();
    assert.match(await byTestId(page, 'item-comment').innerText(), /refund, not a complaint/);
    await screenshot(page, SHOTS.timeline);

    await byTestId(page, 'back-to-decisions').click();
    await page.waitForURL((url) => url.pathname === '/audit', { timeout: WAIT });
    assert.equal(new URL(page.url()).searchParams.get('verdict'), 'correct', 'the filter is kept');
    await decisionsSettled(page);
    assert.equal(await page.locator('[data-testid="decision-row"]').count(), 1);
  });

  it('exports the filtered decisions as CSV (and JSONL) through a download', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: WAIT }),
      byTestId(page, 'export-csv').click(),
    ]);
    assert.match(download.suggestedFilename(), /^arbiter-decisions-.*\.csv$/);
    const csv = await readFile((await download.path())!, 'utf8');
    const [header, ...rows] = parseCsv(csv.trimEnd());
    assert.ok(header, csv);
    for (const column of [
      'decisionId',
      'itemId',
      'externalId',
      'queue',
      'verdict',
      'reviewerEmail',
      'finalOutput',
    ]) {
      assert.ok(header.includes(column), `CSV header has ${column}: ${header.join(',')}`);
    }
    assert.equal(rows.length, 1, csv);
    const row = Object.fromEntries(header.map((name, i) => [name, rows[0]![i]]));
    assert.equal(row['externalId'], 'ticket-correct');
    assert.equal(row['itemId'], itemIds['ticket-correct']);
    assert.equal(row['queue'], slug);
    assert.equal(row['verdict'], 'correct');
    assert.equal(row['reviewerEmail'], reviewer.email);
    assert.deepEqual(JSON.parse(row['finalOutput']!), CORRECTED);
    await byTestId(page, 'export-status')
      .filter({ hasText: /Saved arbiter-decisions-.*\.csv/ })
      .waitFor();

    // The same file as the API gives for the same filter.
    const query = new URLSearchParams({
      format: 'csv',
      verdict: 'correct',
      reviewer: reviewer.email,
      order: 'desc',
    });
    const direct = await api!.client.get(`/api/v1/audit/decisions?${query.toString()}`, {
      token: auditor.token,
    });
    assert.equal(direct.status, 200);
    assert.equal(csv, direct.body);

    const [jsonl] = await Promise.all([
      page.waitForEvent('download'),
      byTestId(page, 'export-jsonl').click(),
    ]);
    assert.match(jsonl.suggestedFilename(), /\.jsonl$/);
    const lines = (await readFile((await jsonl.path())!, 'utf8')).trim().split('\n');
    assert.equal(lines.length, 1);
    const decision = JSON.parse(lines[0]!);
    assert.equal(decision.externalId, 'ticket-correct');
    assert.deepEqual(decision.finalOutput, CORRECTED);
    assert.equal(decision.reviewer.email, reviewer.email);
  });

  it('signs the auditor out', async () => {
    await byTestId(page, 'logout-button').click();
    await byTestId(page, 'login-form').waitFor({ state: 'visible', timeout: WAIT });
  });

  it('an admin lands on the admin pages, with links to the audit pages', async () => {
    await signIn(page, api!.url, ADMIN.email, ADMIN.password, '/admin');
    assert.equal(await byTestId(page, 'login-form').count(), 0);
    await page.locator('[data-testid="nav-admin"][aria-current="page"]').waitFor({ timeout: WAIT });
    await byTestId(page, 'nav-audit').waitFor({ state: 'visible' });
    assert.equal(await byTestId(page, 'nav-review').count(), 0, 'the admin is no reviewer');
    await page
      .locator(`[data-testid="admin-queue-row"][data-queue="${slug}"][data-paused="false"]`)
      .waitFor();
  });

  it('pauses the queue: a service submit then gets 423 QUEUE_PAUSED; resuming lets it in again', async () => {
    const row = page.locator(`[data-testid="admin-queue-row"][data-queue="${slug}"]`);
    await row.locator('[data-testid="pause-queue"]').focus();
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid="admin-queue-row"][data-queue="${slug}"][data-paused="true"]`).waitFor();
    await byTestId(page, 'queue-notice').filter({ hasText: 'QUEUE_PAUSED' }).waitFor();
    assert.equal((await row.locator('[data-testid="queue-state"]').innerText()).trim(), 'paused');

    const refused = await submit(serviceKey);
    assert.equal(refused.status, 423, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'QUEUE_PAUSED');
    const queue = await api!.client.get(`/api/v1/queues/${slug}`, { token: adminToken });
    assert.equal(queue.body.paused, true);
    await screenshot(page, SHOTS.queues);

    // The focus stayed on the button, now Resume.
    assert.equal(await activeTestId(page), 'resume-queue');
    await page.keyboard.press('Enter');
    await page
      .locator(`[data-testid="admin-queue-row"][data-queue="${slug}"][data-paused="false"]`)
      .waitFor();
    const accepted = await submit(serviceKey);
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
  });

  it('creates a queue through the form', async () => {
    const newSlug = uniqueSlug('refunds');
    await byTestId(page, 'new-queue-button').click();
    await byTestId(page, 'queue-form').waitFor({ state: 'visible' });
    await byTestId(page, 'queue-form-slug').fill('Not A Slug');
    await byTestId(page, 'queue-form-name').fill('Refund approvals');
    await byTestId(page, 'queue-form-save').click();
    await byTestId(page, 'queue-slug-problem').waitFor({ state: 'visible' });

    await byTestId(page, 'queue-form-slug').fill(newSlug);
    await byTestId(page, 'queue-form-slaSeconds').fill('3600');
    await byTestId(page, 'queue-form-onSlaBreach').selectOption('escalate');
    await byTestId(page, 'queue-form-escalateTo').selectOption(slug);
    // Correctness monitoring: the defaults are shown, an out-of-range value is caught before sending.
    assert.equal(await byTestId(page, 'queue-form-driftDelta').inputValue(), '0.1');
    assert.equal(await byTestId(page, 'queue-form-targetOverrideRate').inputValue(), '0.05');
    await byTestId(page, 'queue-form-driftDelta').fill('0.9');
    await byTestId(page, 'queue-form-save').click();
    await byTestId(page, 'queue-driftDelta-problem').waitFor({ state: 'visible' });
    await byTestId(page, 'queue-form-driftDelta').fill('0.05');
    await byTestId(page, 'queue-form-onDrift').selectOption('suspend_auto_approve');
    await byTestId(page, 'queue-form-targetOverrideRate').fill('0.02');
    await byTestId(page, 'queue-form-alertUrl').fill('https://93.184.215.14/arbiter-alerts');
    await byTestId(page, 'queue-form-goldRate').fill('0.05');
    await screenshot(page, SHOTS.queueForm);
    await byTestId(page, 'queue-form-save').click();
    await page.locator(`[data-testid="admin-queue-row"][data-queue="${newSlug}"]`).waitFor();
    assert.equal(await byTestId(page, 'queue-form').count(), 0);
    const created = await api!.client.get(`/api/v1/queues/${newSlug}`, { token: adminToken });
    assert.equal(created.status, 200);
    assert.equal(created.body.name, 'Refund approvals');
    assert.equal(created.body.slaSeconds, 3600);
    assert.equal(created.body.onSlaBreach, 'escalate');
    assert.equal(created.body.escalateTo, slug);
    assert.equal(created.body.driftDelta, 0.05);
    assert.equal(created.body.onDrift, 'suspend_auto_approve');
    assert.equal(created.body.targetOverrideRate, 0.02);
    assert.equal(created.body.alertUrl, 'https://93.184.215.14/arbiter-alerts');
    assert.equal(created.body.goldRate, 0.05);
    assert.equal(created.body.alertSecret, undefined, 'the secret is not readable afterwards');

    // The alert webhook secret: shown once, after the save that set the URL, and not after the next edit.
    const secret = await byTestId(page, 'alert-secret').inputValue();
    assert.match(secret, /^whsec_[A-Za-z0-9+/=]+$/);
    await screenshot(page, SHOTS.alertSecret);
    await byTestId(page, 'alert-secret-done').click();
    await byTestId(page, 'alert-secret-created').waitFor({ state: 'detached' });
    await page
      .locator(`[data-testid="admin-queue-row"][data-queue="${newSlug}"] [data-testid="edit-queue"]`)
      .click();
    assert.equal(await byTestId(page, 'queue-form-onDrift').inputValue(), 'suspend_auto_approve');
    await byTestId(page, 'queue-form-targetOverrideRate').fill('0.03');
    await byTestId(page, 'queue-form-save').click();
    await byTestId(page, 'queue-form').waitFor({ state: 'detached' });
    assert.equal(await byTestId(page, 'alert-secret-created').count(), 0);
    assert.ok(!(await page.content()).includes(secret), 'the secret is not on the page any more');
    const edited = await api!.client.get(`/api/v1/queues/${newSlug}`, { token: adminToken });
    assert.equal(edited.body.targetOverrideRate, 0.03);
    assert.equal(edited.body.driftDelta, 0.05);

    // A duplicate slug: the API's code and message on screen.
    await byTestId(page, 'new-queue-button').click();
    await byTestId(page, 'queue-form-slug').fill(newSlug);
    await byTestId(page, 'queue-form-name').fill('Again');
    await byTestId(page, 'queue-form-save').click();
    await page.locator('[data-testid="queue-form-error"][data-code="CONFLICT"]').waitFor();
    await byTestId(page, 'queue-form-cancel').click();
    assert.equal(await byTestId(page, 'queue-form').count(), 0);
  });

  it('creates an API key and shows its key and webhook secret once', async () => {
    await byTestId(page, 'tab-api-keys').click();
    await page.waitForURL('**/admin/api-keys', { timeout: WAIT });
    await byTestId(page, 'admin-apikey-list').waitFor({ state: 'visible' });
    await byTestId(page, 'new-apikey-button').click();
    await byTestId(page, 'apikey-form-service').fill('ui-created-svc');
    await byTestId(page, `apikey-form-queue-${slug}`).check();
    await byTestId(page, 'apikey-form-save').click();

    const reveal = byTestId(page, 'apikey-created');
    await reveal.waitFor({ state: 'visible' });
    assert.match(await byTestId(page, 'apikey-once-notice').innerText(), /Shown only now/);
    const key = await byTestId(page, 'apikey-key').inputValue();
    const secret = await byTestId(page, 'apikey-secret').inputValue();
    assert.ok(key.length >= 20, key);
    assert.match(secret, /^whsec_[A-Za-z0-9+/=]+$/);

    await byTestId(page, 'copy-apikey-key').click();
    await page.locator('[data-testid="copy-apikey-key"][data-state="copied"]').waitFor();
    assert.equal(await page.evaluate(() => (globalThis as any).navigator.clipboard.readText()), key);
    await screenshot(page, SHOTS.apiKey);

    // The key works for the queue it was given.
    const accepted = await submit(key);
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body));

    await byTestId(page, 'apikey-done').click();
    await reveal.waitFor({ state: 'detached' });
    const row = page.locator('[data-testid="admin-apikey-row"][data-service="ui-created-svc"]');
    await row.waitFor({ state: 'visible' });
    // Shown once: gone from the page, and not shown again after leaving and coming back.
    await byTestId(page, 'tab-queues').click();
    await byTestId(page, 'tab-api-keys').click();
    await row.waitFor({ state: 'visible' });
    const html = await page.content();
    assert.ok(!html.includes(key), 'the key is not on the page any more');
    assert.ok(!html.includes(secret), 'the secret is not on the page any more');

    // Revoking asks first, then the key stops working.
    await row.locator('[data-testid="revoke-apikey"]').click();
    await row.locator('[data-testid="confirm-revoke"]').click();
    await page
      .locator('[data-testid="admin-apikey-row"][data-service="ui-created-svc"][data-revoked="true"]')
      .waitFor();
    const refused = await submit(key);
    assert.equal(refused.status, 401, JSON.stringify(refused.body));
  });

  it('lists the admin actions, newest first', async () => {
    await byTestId(page, 'tab-activity').click();
    await page.waitForURL('**/admin/activity', { timeout: WAIT });
    await page.locator('[data-testid="events"][aria-busy="false"]').waitFor();
    const actions = await page
      .locator('[data-testid="event-row"]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action')));
    assert.equal(actions[0], 'apikey.revoked', actions.join(', '));
    for (const action of [
      'apikey.created',
      'queue.created',
      'queue.paused',
      'queue.resumed',
      'user.created',
    ]) {
      assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
    }
    assert.ok(!actions.includes('item.decided'), 'item events are not admin actions');
    const paused = page.locator('[data-testid="event-row"][data-action="queue.paused"]');
    assert.match(await paused.innerText(), new RegExp(ADMIN.email.replace(/\./g, '\\.')));
  });

  it('the admin follows the link to the audit pages', async () => {
    await byTestId(page, 'nav-audit').click();
    await page.waitForURL((url) => url.pathname === '/audit', { timeout: WAIT });
    await decisionsSettled(page);
    assert.equal(await page.locator('[data-testid="decision-row"]').count(), PLAN.length);
    await byTestId(page, 'nav-admin').click();
    await page.waitForURL((url) => url.pathname === '/admin', { timeout: WAIT });
    await byTestId(page, 'admin-queue-list').waitFor({ state: 'visible' });
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });
});
