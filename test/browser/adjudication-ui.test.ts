// Adjudication in the reviewer workspace, in a real (Debian) Chromium against the real API, PostgreSQL and
// Redis. Queue A needs two reviews and sends disagreements to queue B. The second reviewer of A must not see
// the first review; the adjudicator in B sees both reviews (who, verdict, output diff, comment) beside the
// item, reaches them with the keyboard and can start from one of them.
import assert from 'node:assert/strict';
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
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser } from '../support/factories.js';
import { createTestEnv, type TestEnv } from '../support/test-env.js';

const AI_OUTPUT = { label: 'complaint', urgency: 'normal' };
const CORRECTED = { label: 'refund_request', urgency: 'normal' };
const FIRST_COMMENT = 'The customer is unhappy: a complaint, as the model says.';
const SECOND_COMMENT = 'They ask for their money back, so this is a refund request.';

type Person = Awaited<ReturnType<typeof newUser>>;

describe('adjudication view in Chromium', { timeout: 180_000 }, () => {
  let env: TestEnv | undefined;
  let api: RunningApi | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  let admin: string;
  let first: Person;
  let second: Person;
  let adjudicator: Person;
  let reviewQueue = '';
  let adjudicationQueue = '';
  let itemId = '';

  const getItem = async (id: string, token = admin) => {
    const res = await api!.client.get(`/api/v1/items/${id}`, { token });
    assert.equal(res.status, 200, `GET /api/v1/items/${id}: ${JSON.stringify(res.body)}`);
    return res.body;
  };

  async function openWorkspace(person: Person, queue: string): Promise<Page> {
    const { context, page } = await openPage(browser!, pageErrors);
    contexts.push(context);
    await signIn(page, api!.url, person.email, person.password, '/');
    const open = page.locator(`[data-testid="queue-row"][data-queue="${queue}"] [data-testid="open-queue"]`);
    await open.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/queues/${queue}`, { timeout: WAIT });
    // The workspace claims the first waiting item by itself.
    await page
      .locator(`[data-testid="workspace"][data-queue="${queue}"][data-state="working"]`)
      .waitFor({ timeout: WAIT });
    assert.equal((await byTestId(page, 'item-id').innerText()).trim(), itemId);
    return page;
  }

  before(async () => {
    assertChromium();
    env = await createTestEnv();
    api = await startApi(env.config());
    admin = await loginAdmin(api.client);
    adjudicationQueue = (await newQueue(api.client, admin, { name: 'Adjudication' })).slug;
    reviewQueue = (
      await newQueue(api.client, admin, {
        name: 'Ticket labels',
        reviewsRequired: 2,
        escalateTo: adjudicationQueue,
      })
    ).slug;
    first = await newUser(api.client, admin, ['reviewer'], [reviewQueue]);
    second = await newUser(api.client, admin, ['reviewer'], [reviewQueue]);
    adjudicator = await newUser(api.client, admin, ['reviewer'], [adjudicationQueue]);

    const { key } = await newServiceKey(api.client, admin, [reviewQueue]);
    const submitted = await api.client.post(
      `/api/v1/queues/${reviewQueue}/items`,
      itemBody({ input: { text: 'The parcel arrived broken. I want my money back.' }, output: AI_OUTPUT }),
      { apiKey: key },
    );
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    itemId = submitted.body.id;

    // The first review, over HTTP: an approval with a comment.
    const claimed = await api.client.post(`/api/v1/queues/${reviewQueue}/claim`, undefined, {
      token: first.token,
    });
    assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
    assert.equal(claimed.body.item.id, itemId);
    const decided = await api.client.post(
      `/api/v1/claims/${claimed.body.claim.token}/decision`,
      { verdict: 'approve', comment: FIRST_COMMENT },
      { token: first.token },
    );
    assert.equal(decided.status, 201, JSON.stringify(decided.body));
    assert.equal(decided.body.itemStatus, 'pending', 'waiting for the second review');

    browser = await launchChromium();
  });

  after(async () => {
    await closeChromium(browser, contexts);
    await api?.close().catch(() => undefined);
    await env?.cleanup();
  });

  it('shows the second reviewer of the queue no earlier review', async () => {
    const page = await openWorkspace(second, reviewQueue);
    // Wait until the workspace has read the item's history, so that "nothing shown" means something.
    await page.locator('[data-testid="workspace"][data-earlier-reviews="none"]').waitFor({ timeout: WAIT });
    assert.equal(await byTestId(page, 'earlier-reviews').count(), 0);
    assert.equal(await byTestId(page, 'earlier-review').count(), 0);
    const text = await byTestId(page, 'workspace').innerText();
    assert.ok(!text.includes(first.email), 'the first reviewer is not named');
    assert.ok(!text.includes(FIRST_COMMENT), 'nor their comment shown');
    await screenshot(page, artifactPath('adjudication-second-review.png'));

    const asSecond = await getItem(itemId, second.token);
    assert.deepEqual(
      asSecond.history.filter((e: { action: string }) => e.action === 'item.decided'),
      [],
      'the server leaves the first review out of what the second reviewer reads',
    );

    // The second review disagrees: a correction with a comment, made in the browser.
    await byTestId(page, 'output-editor').fill(JSON.stringify(CORRECTED, null, 2));
    await page.locator('[data-testid="editor-status"][data-status="valid"]').waitFor({ timeout: WAIT });
    await byTestId(page, 'comment-input').fill(SECOND_COMMENT);
    await page.locator('[data-testid="correct-button"]:enabled').click();
    await byTestId(page, 'action-notice')
      .filter({ hasText: `queue ${adjudicationQueue} adjudicates` })
      .waitFor({ timeout: WAIT });

    const moved = await getItem(itemId);
    assert.equal(moved.status, 'pending', JSON.stringify(moved));
    assert.equal(moved.queue, adjudicationQueue);
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });

  it('shows the adjudicator both reviews beside the item', async () => {
    const page = await openWorkspace(adjudicator, adjudicationQueue);
    await page.locator('[data-testid="workspace"][data-earlier-reviews="ready"]').waitFor({ timeout: WAIT });
    const panel = byTestId(page, 'earlier-reviews');
    await panel.waitFor({ state: 'visible', timeout: WAIT });
    const reviews = panel.locator('[data-testid="earlier-review"]');
    assert.equal(await reviews.count(), 2);
    assert.match(
      await byTestId(page, 'earlier-disagreement').innerText(),
      /approved the item, the other corrected it/,
    );

    const approval = reviews.nth(0);
    assert.equal(
      (await approval.locator('[data-testid="earlier-reviewer"]').innerText()).trim(),
      first.email,
    );
    assert.equal(
      await approval.locator('[data-testid="earlier-verdict"]').getAttribute('data-verdict'),
      'approve',
    );
    assert.match(await approval.locator('[data-testid="earlier-verdict"]').innerText(), /Approved/);
    assert.equal(
      (await approval.locator('[data-testid="earlier-comment"]').innerText()).trim(),
      FIRST_COMMENT,
    );
    await approval
      .locator('[data-testid="earlier-diff"] [data-testid="diff-empty"]')
      .waitFor({ timeout: WAIT });
    assert.equal(await approval.locator('[data-testid="use-earlier-output"]').count(), 0);

    const correction = reviews.nth(1);
    assert.equal(
      (await correction.locator('[data-testid="earlier-reviewer"]').innerText()).trim(),
      second.email,
    );
    assert.equal(
      await correction.locator('[data-testid="earlier-verdict"]').getAttribute('data-verdict'),
      'correct',
    );
    assert.match(await correction.locator('[data-testid="earlier-verdict"]').innerText(), /Corrected/);
    assert.equal(
      (await correction.locator('[data-testid="earlier-comment"]').innerText()).trim(),
      SECOND_COMMENT,
    );
    const op = correction.locator('[data-testid="patch-op"][data-op="replace"][data-path="/label"]');
    await op.waitFor({ state: 'visible', timeout: WAIT });
    const opText = await op.innerText();
    assert.ok(opText.includes('"complaint"') && opText.includes('"refund_request"'), opText);
    assert.equal(await correction.locator('[data-testid="patch-op"]').count(), 1);
    await correction
      .locator('[data-testid="diff-line-added"]')
      .filter({ hasText: '"label": "refund_request"' })
      .waitFor({ timeout: WAIT });

    // Nothing of it leaks into the adjudicator's own edit, which starts from the AI output.
    assert.deepEqual(JSON.parse(await byTestId(page, 'output-editor').inputValue()), AI_OUTPUT);
    await byTestId(page, 'diff-view').locator('[data-testid="diff-empty"]').waitFor({ timeout: WAIT });

    const png = await screenshot(page, artifactPath('adjudication.png'));
    assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });

  it('lets the adjudicator take a review’s output with the keyboard and decide', async () => {
    const page = contexts.at(-1)!.pages()[0]!;
    await byTestId(page, 'item-heading').focus();
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await activeTestId(page)) === 'use-earlier-output';
    }
    assert.ok(reached, 'Tab reaches "Start from this output"');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="editor-status"][data-status="valid"]').waitFor({ timeout: WAIT });
    assert.deepEqual(JSON.parse(await byTestId(page, 'output-editor').inputValue()), CORRECTED);
    await byTestId(page, 'diff-view')
      .locator('[data-testid="patch-op"][data-path="/label"]')
      .waitFor({ timeout: WAIT });

    await page.keyboard.press('Control+Enter');
    await byTestId(page, 'action-notice')
      .filter({ hasText: 'Correction submitted' })
      .waitFor({ timeout: WAIT });
    const done = await getItem(itemId);
    assert.equal(done.status, 'corrected', JSON.stringify(done));
    assert.equal(done.decision.reviewerId, adjudicator.id);
    assert.deepEqual(done.decision.output, CORRECTED);
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });
});
