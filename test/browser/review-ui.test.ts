// The reviewer UI in a real (Debian) Chromium against the real API, PostgreSQL and Redis: keyboard login, the
// live queue list, claiming with `n`, editing the output with schema feedback as you type, submitting a
// correction with Ctrl+Enter, and checking the recorded decision through the HTTP API.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
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
  WAIT,
} from '../support/browser.js';
import { loginAdmin } from '../support/factories.js';
import { ADMIN, createTestEnv, type TestEnv } from '../support/test-env.js';

const QUEUE = 'demo-support';
const CATEGORIES = ['billing', 'delivery', 'technical', 'other'] as const;
const REVIEWER = { email: 'reviewer@arbiter.local', password: 'arbiter-reviewer-demo' };

// This file compiles to <dist>/test/browser/review-ui.test.js.
const SEED_SCRIPT = fileURLToPath(new URL('../../scripts/seed-demo.js', import.meta.url));
const SCREENSHOT = artifactPath('review-workspace.png');

/** Polls `read` until `done` holds, for at most `timeoutMs`; returns the last value read. */
async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = WAIT,
) {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > deadline)
      assert.fail(`${what}: timed out after ${timeoutMs} ms; last ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await read();
  }
  return last;
}

/** Selects the string value of `"key": "…"` inside a textarea (without its quotes), so that typing replaces it. */
async function selectJsonValue(editor: Locator, key: string): Promise<void> {
  const found = await editor.evaluate((node, wanted) => {
    const area = node as any;
    const match = new RegExp(`"${wanted}"\\s*:\\s*"([^"]*)"`).exec(String(area.value));
    if (!match) return false;
    const end = match.index + match[0].length - 1;
    area.focus();
    area.setSelectionRange(end - match[1]!.length, end);
    return true;
  }, key);
  assert.ok(found, `the editor has no string value for ${JSON.stringify(key)}`);
}

describe('reviewer UI in Chromium (demo data)', { timeout: 180_000 }, () => {
  let env: TestEnv | undefined;
  let api: RunningApi | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let adminToken: string;
  const pageErrors: string[] = [];

  // Shared by the steps below, in order.
  let itemId = '';
  let originalOutput: { category: string; reply: string };
  let editedOutput: { category: string; reply: string };

  const getItem = async (id: string) => {
    const res = await api!.client.get(`/api/v1/items/${id}`, { token: adminToken });
    assert.equal(res.status, 200, `GET /api/v1/items/${id}: ${JSON.stringify(res.body)}`);
    return res.body;
  };

  before(async () => {
    assertChromium();
    env = await createTestEnv();
    // The demo seed only fills an empty database, so it runs before the API boots.
    const { stdout } = await promisify(execFile)(process.execPath, [SEED_SCRIPT], {
      timeout: 60_000,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: env.databaseUrl,
        REDIS_URL: env.redisUrl,
        REDIS_PREFIX: env.redisPrefix,
        BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
        BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
        PORT: '3999',
        LOG_LEVEL: 'silent',
      },
    });
    assert.match(stdout, /demo is set up/, `seed-demo output:\n${stdout}`);
    // The steps follow the demo's four real items and their counts; gold hand-outs (5% of claims in the demo)
    // are tested on their own (gold-review.test.ts), so none comes in between here.
    const db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    await db.query(`UPDATE queues SET gold_rate = 0 WHERE slug = $1`, [QUEUE]);
    await db.end();
    api = await startApi(env.config());
    adminToken = await loginAdmin(api.client);

    browser = await launchChromium();
    ({ context, page } = await openPage(browser, pageErrors));
  });

  after(async () => {
    await closeChromium(browser, [context]);
    await api?.close().catch(() => undefined);
    await env?.cleanup();
  });

  it('signs in with the keyboard only (autofocus, Tab, Enter)', async () => {
    const response = await page.goto(`${api!.url}/`);
    assert.equal(response?.status(), 200);
    await byTestId(page, 'login-email').waitFor({ state: 'visible', timeout: WAIT });
    assert.equal(await activeTestId(page), 'login-email', 'the email field has the focus on load');
    assert.ok(
      await byTestId(page, 'login-submit').isDisabled(),
      'Sign in is disabled while the form is empty',
    );

    await page.keyboard.type(REVIEWER.email);
    await page.keyboard.press('Tab');
    assert.equal(await activeTestId(page), 'login-password', 'Tab moves from email to password');
    await page.keyboard.type(REVIEWER.password);
    await page.keyboard.press('Enter');

    await byTestId(page, 'queue-list').waitFor({ state: 'visible', timeout: WAIT });
    assert.equal(await byTestId(page, 'login-form').count(), 0);
  });

  it('lists demo-support with its live pending count', async () => {
    const row = page.locator(`[data-testid="queue-row"][data-queue="${QUEUE}"]`);
    await row.waitFor({ state: 'visible', timeout: WAIT });
    await row.locator('[data-testid="queue-pending"]').filter({ hasText: /^4$/ }).waitFor({ timeout: WAIT });
    await row.locator('[data-testid="queue-claimed"]').filter({ hasText: /^0$/ }).waitFor({ timeout: WAIT });
    // The reviewer is also a member of the (empty) escalations queue.
    const escalations = page.locator('[data-testid="queue-row"][data-queue="demo-escalations"]');
    await escalations
      .locator('[data-testid="queue-pending"]')
      .filter({ hasText: /^0$/ })
      .waitFor({ timeout: WAIT });
    assert.equal(await byTestId(page, 'queue-stats-error').count(), 0);
  });

  it('opens the queue and claims an item with `n`', async () => {
    const open = page.locator(`[data-testid="queue-row"][data-queue="${QUEUE}"] [data-testid="open-queue"]`);
    await open.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/queues/${QUEUE}`, { timeout: WAIT });
    const workspace = page.locator(`[data-testid="workspace"][data-queue="${QUEUE}"]`);
    await workspace.waitFor({ state: 'visible', timeout: WAIT });

    // The shortcut legend is on screen from the start.
    const legend = byTestId(page, 'shortcut-legend');
    await legend.waitFor({ state: 'visible', timeout: WAIT });
    const legendText = await legend.innerText();
    for (const label of ['Claim next', 'Approve', 'Submit correction', 'Reject', 'Escalate', 'Release']) {
      assert.ok(legendText.includes(label), `the shortcut legend lists "${label}": ${legendText}`);
    }

    // The workspace claims the first item by itself when it opens; give it back (Esc) to claim with `n`.
    await page
      .locator('[data-testid="workspace"][data-state="working"], [data-testid="claim-next"]')
      .first()
      .waitFor({ state: 'visible', timeout: WAIT });
    if ((await workspace.getAttribute('data-state')) === 'working') {
      await byTestId(page, 'item-heading').waitFor({ state: 'visible', timeout: WAIT });
      await page.keyboard.press('Escape');
      await byTestId(page, 'action-notice').filter({ hasText: 'Released' }).waitFor({ timeout: WAIT });
    }
    await page.locator('[data-testid="workspace"][data-state="idle"]').waitFor({ timeout: WAIT });
    await byTestId(page, 'claim-next').waitFor({ state: 'visible', timeout: WAIT });
    await page
      .locator('[data-testid="workspace-pending"]')
      .filter({ hasText: /^4 pending$/ })
      .waitFor({
        timeout: WAIT,
      });

    await page.keyboard.press('n');
    await page.locator('[data-testid="workspace"][data-state="working"]').waitFor({ timeout: WAIT });
    const heading = byTestId(page, 'item-heading');
    await heading.waitFor({ state: 'visible', timeout: WAIT });
    assert.match(await heading.innerText(), /demo-ticket-\d/);
    itemId = (await byTestId(page, 'item-id').innerText()).trim();
    assert.match(itemId, /^[0-9a-f-]{36}$/i, `item id on screen: ${itemId}`);

    const lease = byTestId(page, 'lease-countdown');
    await lease.waitFor({ state: 'visible', timeout: WAIT });
    assert.match(await lease.innerText(), /Lease\s+\d+:\d{2}/);
    const remaining = Number(await lease.getAttribute('data-remaining-ms'));
    assert.ok(
      remaining > 240_000 && remaining <= 300_000,
      `lease of the 300 s demo queue: ${remaining} ms left`,
    );

    await page
      .locator('[data-testid="workspace-pending"]')
      .filter({ hasText: /^3 pending$/ })
      .waitFor({
        timeout: WAIT,
      });
    const item = await getItem(itemId);
    assert.equal(item.status, 'claimed');
  });

  it('edits the output with live diff and schema feedback', async () => {
    const editor = byTestId(page, 'output-editor');
    const status = byTestId(page, 'editor-status');
    const correct = byTestId(page, 'correct-button');
    await page.locator('[data-testid="editor-status"][data-status="unchanged"]').waitFor({ timeout: WAIT });
    assert.ok(await correct.isDisabled(), 'nothing to correct before an edit');
    await byTestId(page, 'diff-empty').waitFor({ state: 'visible', timeout: WAIT });

    originalOutput = JSON.parse(await editor.inputValue());
    assert.ok(
      CATEGORIES.includes(originalOutput.category as (typeof CATEGORIES)[number]),
      originalOutput.category,
    );
    const category = CATEGORIES.find((c) => c !== originalOutput.category)!;
    editedOutput = { ...originalOutput, category };

    // A valid edit: another enum value.
    await editor.fill(JSON.stringify(editedOutput, null, 2));
    await page.locator('[data-testid="editor-status"][data-status="valid"]').waitFor({ timeout: WAIT });
    assert.equal(await byTestId(page, 'schema-error').count(), 0);
    assert.equal(await byTestId(page, 'json-error').count(), 0);
    assert.equal(await editor.getAttribute('aria-invalid'), 'false');
    const op = page.locator('[data-testid="patch-op"][data-op="replace"][data-path="/category"]');
    await op.waitFor({ state: 'visible', timeout: WAIT });
    const opText = await op.innerText();
    assert.ok(opText.includes(`"${originalOutput.category}"`) && opText.includes(`"${category}"`), opText);
    assert.equal(await byTestId(page, 'patch-op').count(), 1);
    await byTestId(page, 'diff-line-added')
      .filter({ hasText: `"category": "${category}"` })
      .waitFor({
        timeout: WAIT,
      });
    await byTestId(page, 'diff-line-removed')
      .filter({ hasText: `"category": "${originalOutput.category}"` })
      .waitFor({ timeout: WAIT });
    await page.locator('[data-testid="correct-button"]:enabled').waitFor({ timeout: WAIT });

    // An invalid value, typed key by key: the schema error shows from the first key on.
    await selectJsonValue(editor, 'category');
    await page.keyboard.type('n');
    await page
      .locator('[data-testid="editor-status"][data-status="invalid-schema"]')
      .waitFor({ timeout: WAIT });
    await byTestId(page, 'schema-error').filter({ hasText: '/category' }).waitFor({ timeout: WAIT });
    await page.keyboard.type('ope', { delay: 30 });
    assert.equal(JSON.parse(await editor.inputValue()).category, 'nope');
    const schemaError = byTestId(page, 'schema-error');
    await schemaError.filter({ hasText: '/category' }).waitFor({ state: 'visible', timeout: WAIT });
    assert.equal(await schemaError.count(), 1, await byTestId(page, 'schema-errors').innerText());
    assert.match(await schemaError.innerText(), /allowed values.*"billing"/s);
    assert.match(await status.innerText(), /Does not match the schema \(1\)/);
    assert.equal(await editor.getAttribute('aria-invalid'), 'true');
    await page.locator('[data-testid="correct-button"]:disabled').waitFor({ timeout: WAIT });
    await byTestId(page, 'correct-hint').filter({ hasText: 'schema' }).waitFor({ timeout: WAIT });

    // Ctrl+Enter does nothing while the output is invalid.
    await page.keyboard.press('Control+Enter');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await page.locator('[data-testid="workspace"]').getAttribute('data-state'), 'working');
    assert.equal((await getItem(itemId)).status, 'claimed');

    // Fixed again.
    await selectJsonValue(editor, 'category');
    await page.keyboard.type(category);
    await page.locator('[data-testid="editor-status"][data-status="valid"]').waitFor({ timeout: WAIT });
    assert.deepEqual(JSON.parse(await editor.inputValue()), editedOutput);
    assert.equal(await byTestId(page, 'schema-error').count(), 0);
    await page.locator('[data-testid="correct-button"]:enabled').waitFor({ timeout: WAIT });
    assert.equal(await byTestId(page, 'correct-hint').count(), 0);
  });

  it('saves a screenshot of the workspace with a claimed, edited item', async () => {
    await page.locator('[data-testid="workspace"][data-state="working"]').waitFor({ timeout: WAIT });
    await byTestId(page, 'lease-countdown').waitFor({ state: 'visible', timeout: WAIT });
    const png = await screenshot(page, SCREENSHOT);
    assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
  });

  it('submits the correction with Ctrl+Enter and the API records it', async () => {
    await page.keyboard.press('Control+Enter');
    await byTestId(page, 'action-notice')
      .filter({ hasText: 'Correction submitted' })
      .waitFor({ timeout: WAIT });

    const item = await pollUntil(
      () => getItem(itemId),
      (i) => i.status !== 'claimed',
      'item decided',
    );
    assert.equal(item.status, 'corrected', JSON.stringify(item));
    const { decision } = item;
    assert.ok(decision, JSON.stringify(item));
    assert.equal(decision.verdict, 'correct');
    assert.equal(decision.itemId, itemId);
    assert.deepEqual(decision.output, editedOutput);
    assert.ok(Array.isArray(decision.patch) && decision.patch.length > 0, JSON.stringify(decision.patch));
    assert.deepEqual(decision.patch, [{ op: 'replace', path: '/category', value: editedOutput.category }]);
    assert.equal(decision.comment ?? null, null);
    assert.deepEqual(
      item.history.map((e: any) => e.action),
      ['item.received', 'item.claimed', 'claim.released', 'item.claimed', 'item.decided'],
    );

    // The workspace moves on to the next item and the live counts follow: 1 decided, 1 claimed, 2 pending.
    await page.locator('[data-testid="workspace"][data-state="working"]').waitFor({ timeout: WAIT });
    await pollUntil(
      async () => (await byTestId(page, 'item-id').innerText()).trim(),
      (id) => id !== itemId,
      'next item on screen',
    );
    await page
      .locator('[data-testid="workspace-pending"]')
      .filter({ hasText: /^2 pending$/ })
      .waitFor({
        timeout: WAIT,
      });
    await byTestId(page, 'shortcut-legend').waitFor({ state: 'visible', timeout: WAIT });
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });

  it('tells the reviewer when their approval is the first of two reviews', async () => {
    const patched = await api!.client.patch(
      '/api/v1/queues/demo-support',
      { reviewsRequired: 2 },
      { token: adminToken },
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const onScreen = (await byTestId(page, 'item-id').innerText()).trim();
    await page.keyboard.press('a');
    await byTestId(page, 'action-notice')
      .filter({ hasText: 'needs one more independent review' })
      .waitFor({ timeout: WAIT });
    const item = await getItem(onScreen);
    assert.equal(item.status, 'pending', 'back in line for a second reviewer');
    assert.equal(item.decision, null);
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });

  it('shows how many items are assigned to the reviewer, and the claimed one as theirs', async () => {
    // Back to the list: the workspace gives its claim back.
    await byTestId(page, 'back-to-queues').click();
    const row = page.locator(`[data-testid="queue-row"][data-queue="${QUEUE}"]`);
    await row.waitFor({ state: 'visible', timeout: WAIT });
    assert.equal(await row.locator('[data-testid="queue-assigned"]').count(), 0);

    // An admin assigns them the item they would otherwise get last; the list says so without a reload.
    const db = new pg.Client({ connectionString: env!.databaseUrl });
    await db.connect();
    let assigned: string;
    let reviewerId: string;
    try {
      reviewerId = (await db.query(`SELECT id FROM users WHERE email = $1`, [REVIEWER.email])).rows[0].id;
      assigned = (
        await db.query(
          `SELECT i.id FROM items i JOIN queues q ON q.id = i.queue_id
            WHERE q.slug = $1 AND i.status = 'pending' AND i.first_review_id IS NULL
            ORDER BY i.priority, i.created_at DESC LIMIT 1`,
          [QUEUE],
        )
      ).rows[0].id;
    } finally {
      await db.end();
    }
    const res = await api!.client.post(
      `/api/v1/items/${assigned}/assign`,
      { userId: reviewerId },
      { token: adminToken },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await row
      .locator('[data-testid="queue-assigned"]')
      .filter({ hasText: /^1 assigned to you$/ })
      .waitFor({ timeout: WAIT });

    // Opening the queue claims it first, marked as assigned to them.
    await row.locator('[data-testid="open-queue"]').click();
    await page.locator('[data-testid="workspace"][data-state="working"]').waitFor({ timeout: WAIT });
    await pollUntil(
      async () => (await byTestId(page, 'item-id').innerText()).trim(),
      (id) => id === assigned,
      'the assigned item on screen',
    );
    await byTestId(page, 'item-assigned').filter({ hasText: 'Assigned to you' }).waitFor({ timeout: WAIT });
    await screenshot(page, artifactPath('review-assigned-item.png'));
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });
});
