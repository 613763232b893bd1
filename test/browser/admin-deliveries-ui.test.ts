// The webhook deliveries page and the reviewer's SLA notice in a real (Debian) Chromium against the real API, a
// worker, PostgreSQL and Redis: auto-approved items are delivered at once to a local receiver that fails, so their
// deliveries are dead-lettered; an admin finds them on the Deliveries page with their failed attempts, replays one
// (same webhook-id, delivered now the receiver answers) and then all the dead ones of a queue, and pages through a
// queue's 103 deliveries (the total, then "Show 3 more" following the cursor). A reviewer holding an item whose SLA
// deadline passes sees the notice: the item stays theirs under `keep`, and is taken under `fallback`.
import { createWorkerApp } from '../../apps/worker/src/worker.app.js';
import type { INestApplicationContext } from '@nestjs/common';
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
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser, uniqueSlug } from '../support/factories.js';
import { eventually } from '../support/review-kit.js';
import { ADMIN, createTestEnv, type TestEnv } from '../support/test-env.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/** Three attempts, 100 ms (±20 %) apart. */
const SCHEDULE = '100ms,100ms';
const ATTEMPTS = 3;

const SHOTS = {
  deliveries: artifactPath('admin-deliveries.png'),
  slaKept: artifactPath('review-sla-kept.png'),
  slaFallback: artifactPath('review-sla-fallback.png'),
};

describe('webhook deliveries page and SLA notice in Chromium', { timeout: 240_000 }, () => {
  let env: TestEnv | undefined;
  let receiver: WebhookReceiver | undefined;
  let api: RunningApi | undefined;
  let worker: INestApplicationContext | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  let adminToken: string;
  const pageErrors: string[] = [];

  /** How the receiver answers, per path: 500 until a test switches it to 204. */
  const answer: Record<string, number> = { '/hooks': 500, '/other': 500 };

  const deliveryOf = async (itemId: string) => {
    const res = await api!.client.get('/api/v1/deliveries?limit=1000', { token: adminToken });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.deliveries as any[]).find((d) => d.itemId === itemId);
  };

  const settled = async (itemId: string, status: string, timeoutMs = WAIT) => {
    let delivery: any;
    await eventually(
      `delivery of ${itemId} ${status}`,
      async () => (delivery = await deliveryOf(itemId))?.status === status,
      timeoutMs,
      100,
    );
    return delivery;
  };

  before(async () => {
    assertChromium();
    env = await createTestEnv();
    receiver = await WebhookReceiver.start();
    for (const path of Object.keys(answer)) receiver.respond(path, () => ({ status: answer[path]! }));
    const config = env.config({
      // Only the receiver's own port on loopback.
      WEBHOOK_ALLOW_HOSTS: `127.0.0.1:${receiver.port}`,
      WEBHOOK_RETRY_SCHEDULE: SCHEDULE,
      WEBHOOK_POLL_INTERVAL_MS: '100',
      WEBHOOK_TIMEOUT_MS: '3000',
      SLA_SWEEP_INTERVAL_MS: '100',
    });
    api = await startApi(config);
    worker = await createWorkerApp(config);
    adminToken = await loginAdmin(api.client);
    browser = await launchChromium();
  });

  after(async () => {
    await closeChromium(browser, contexts);
    await worker?.close().catch(() => undefined);
    await api?.close().catch(() => undefined);
    await receiver?.close().catch(() => undefined);
    await env?.cleanup();
  });

  describe('an admin replays dead-lettered deliveries', () => {
    let page: Page;
    let hooks: { slug: string; key: string };
    let other: { slug: string; key: string };
    let first: { id: string; delivery: any };
    let second: { id: string; delivery: any };

    /** An auto-approved item (delivered at once); resolves with its id. */
    const submitConfident = async (queue: { slug: string; key: string }) => {
      const res = await api!.client.post(
        `/api/v1/queues/${queue.slug}/items`,
        itemBody({ confidence: 0.97 }),
        { apiKey: queue.key },
      );
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.status, 'auto_approved');
      return res.body.id as string;
    };

    const row = (itemId: string) => page.locator(`[data-testid="delivery-row"][data-item-id="${itemId}"]`);
    const settledList = () => page.locator('[data-testid="deliveries"][aria-busy="false"]').waitFor();

    before(async () => {
      const queue = async (slug: string, path: string) => {
        const created = await newQueue(api!.client, adminToken, {
          slug: uniqueSlug(slug),
          name: `Webhooks ${slug}`,
          autoApproveAbove: 0.9,
          callbackUrl: receiver!.url(path),
        });
        const key = await newServiceKey(api!.client, adminToken, [created.slug]);
        return { slug: created.slug, key: key.key };
      };
      hooks = await queue('hooks', '/hooks');
      other = await queue('other', '/other');
      const firstId = await submitConfident(hooks);
      const secondId = await submitConfident(other);
      first = { id: firstId, delivery: await settled(firstId, 'dead') };
      second = { id: secondId, delivery: await settled(secondId, 'dead') };
      for (const { delivery } of [first, second]) {
        assert.equal(delivery.attempts.length, ATTEMPTS, JSON.stringify(delivery));
        assert.ok(
          delivery.attempts.every((a: any) => a.statusCode === 500),
          JSON.stringify(delivery),
        );
      }
      assert.equal(receiver!.requests('/hooks').length, ATTEMPTS);

      ({ page } = await openPage(browser!, pageErrors).then((made) => {
        contexts.push(made.context);
        return made;
      }));
    });

    it('opens Deliveries: the dead letters by default, each with its failed attempts', async () => {
      await signIn(page, api!.url, ADMIN.email, ADMIN.password, '/admin');
      await byTestId(page, 'tab-deliveries').click();
      await page.waitForURL('**/admin/deliveries', { timeout: WAIT });
      await page.locator('[data-testid="tab-deliveries"][aria-current="page"]').waitFor();
      // As on the other admin pages, the focus moves to the new page's title.
      await page.locator('#admin-deliveries-title:focus').waitFor();
      assert.equal(await byTestId(page, 'deliveries-status').inputValue(), 'dead');
      await settledList();
      await row(first.id).waitFor();
      await row(second.id).waitFor();
      const statuses = await page
        .locator('[data-testid="delivery-row"]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')));
      assert.deepEqual(statuses, ['dead', 'dead'], 'only dead deliveries, by default');

      const listed = row(first.id);
      assert.equal(await listed.getAttribute('data-webhook-id'), first.delivery.webhookId);
      assert.equal(await listed.getAttribute('data-queue'), hooks.slug);
      assert.equal(await listed.getAttribute('data-attempts'), String(ATTEMPTS));
      assert.equal((await listed.locator('[data-testid="delivery-status"]').innerText()).trim(), 'dead');
      assert.match(await listed.locator('[data-testid="delivery-last-attempt"]').innerText(), /HTTP 500/);
      // The item links to its audit timeline.
      assert.equal(
        await listed.locator('[data-testid="delivery-item-link"]').getAttribute('href'),
        `/audit/items/${first.id}`,
      );

      // Expand with the keyboard: the attempts, each with its time and HTTP status.
      const toggle = listed.locator('[data-testid="delivery-toggle"]');
      assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
      await toggle.focus();
      await page.keyboard.press('Enter');
      assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
      const details = page.locator(`[data-testid="delivery-details-row"][data-id="${first.delivery.id}"]`);
      await details.waitFor();
      assert.equal(
        (await details.locator('[data-testid="delivery-webhook-id"]').innerText()).trim(),
        first.delivery.webhookId,
      );
      const attempts = await details.locator('[data-testid="delivery-attempt"]').evaluateAll((rows) =>
        rows.map((r) => ({
          status: r.getAttribute('data-status-code'),
          ok: r.getAttribute('data-ok'),
          time: r.querySelector('time')?.getAttribute('datetime') ?? '',
          text: r.textContent ?? '',
        })),
      );
      assert.equal(attempts.length, ATTEMPTS);
      attempts.forEach((attempt, index) => {
        assert.equal(attempt.status, '500');
        assert.equal(attempt.ok, 'false');
        assert.match(attempt.text, /HTTP 500/);
        assert.equal(attempt.time, first.delivery.attempts[index].at);
      });
      await screenshot(page, SHOTS.deliveries);
      // Space closes it again.
      await page.keyboard.press('Space');
      await details.waitFor({ state: 'detached' });
    });

    it('replays one delivery: delivered under the same webhook-id once the receiver answers 204', async () => {
      answer['/hooks'] = 204;
      await row(first.id).locator('[data-testid="replay-delivery"]').click();
      const notice = byTestId(page, 'delivery-notice');
      await notice.filter({ hasText: first.delivery.webhookId }).waitFor();
      assert.match(await notice.innerText(), /same webhook-id/);

      const delivered = await settled(first.id, 'delivered');
      assert.equal(delivered.id, first.delivery.id);
      assert.equal(delivered.webhookId, first.delivery.webhookId, 'the same webhook-id');
      assert.equal(delivered.attempts.length, ATTEMPTS + 1, 'the replay appends to the attempts');
      assert.equal(delivered.attempts.at(-1).statusCode, 204);
      const received = await receiver!.waitFor('/hooks', ATTEMPTS + 1);
      assert.deepEqual(
        new Set(received.map((hook) => hook.headers['webhook-id'])),
        new Set([first.delivery.webhookId]),
        'the receiver got the same webhook-id every time',
      );

      // It left the dead letters (the page refreshed); the focus stayed on the page, at the notice.
      await row(first.id).waitFor({ state: 'detached' });
      await row(second.id).waitFor();
      await page.locator('[data-testid="delivery-notice"]:focus').waitFor();

      // The delivered view shows it with its four attempts, the last one 204.
      await byTestId(page, 'deliveries-status').selectOption('delivered');
      await page.waitForURL((url) => url.searchParams.get('status') === 'delivered');
      await settledList();
      const shown = row(first.id);
      await page
        .locator(`[data-testid="delivery-row"][data-item-id="${first.id}"][data-status="delivered"]`)
        .waitFor();
      assert.equal(await shown.getAttribute('data-attempts'), String(ATTEMPTS + 1));
      assert.match(await shown.locator('[data-testid="delivery-last-attempt"]').innerText(), /HTTP 204/);
      assert.equal(await row(second.id).count(), 0, 'the dead one is not delivered');
    });

    it('replays all dead deliveries of a queue after an on-page confirmation', async () => {
      // Back to the dead letters, of the other queue only.
      await byTestId(page, 'deliveries-status').selectOption('dead');
      await byTestId(page, 'deliveries-queue').selectOption(other.slug);
      await page.waitForURL(
        (url) => url.searchParams.get('queue') === other.slug && !url.searchParams.has('status'),
      );
      await settledList();
      await row(second.id).waitFor();
      assert.equal(await byTestId(page, 'delivery-row').count(), 1);
      answer['/other'] = 204;

      // Escape cancels the confirmation, and the focus goes back to the button.
      const replayAll = byTestId(page, 'replay-all-dead');
      assert.match(await replayAll.innerText(), new RegExp(`Replay all dead in ${other.slug}`));
      await replayAll.click();
      const confirm = byTestId(page, 'replay-all-confirm');
      await confirm.waitFor();
      assert.match(await confirm.innerText(), /the 1 delivery below/);
      assert.equal(await activeTestId(page), 'confirm-replay-all');
      await page.keyboard.press('Escape');
      await confirm.waitFor({ state: 'detached' });
      assert.equal(await activeTestId(page), 'replay-all-dead');
      assert.equal(receiver!.requests('/other').length, ATTEMPTS, 'nothing sent on cancel');

      // Enter opens it again and Enter confirms.
      await page.keyboard.press('Enter');
      await confirm.waitFor();
      await page.keyboard.press('Enter');
      const notice = byTestId(page, 'delivery-notice');
      await notice.filter({ hasText: /Replaying 1 delivery/ }).waitFor();
      await page.locator('[data-testid="delivery-notice"]:focus').waitFor();

      const delivered = await settled(second.id, 'delivered');
      assert.equal(delivered.webhookId, second.delivery.webhookId);
      const [last] = (await receiver!.waitFor('/other', ATTEMPTS + 1)).slice(-1);
      assert.equal(last!.headers['webhook-id'], second.delivery.webhookId);

      // Nothing dead is left in that queue: the empty state, after a refresh.
      await byTestId(page, 'deliveries-refresh').click();
      await settledList();
      await byTestId(page, 'deliveries-empty').waitFor();
      assert.match(await byTestId(page, 'deliveries-empty').innerText(), /No dead-lettered deliveries/);
      await page.locator('[data-testid="replay-all-dead"][aria-disabled="true"]').waitFor();

      // Replaying with nothing dead says so (through the API: the button is disabled).
      const none = await api!.client.post(
        `/api/v1/deliveries/replay?status=dead&queue=${other.slug}`,
        undefined,
        {
          token: adminToken,
        },
      );
      assert.deepEqual(none.body, { replayed: 0 });
    });

    it("shows the API's code and message for a bad filter, and links to the item's timeline", async () => {
      await page.goto(`${api!.url}/admin/deliveries?queue=no-such-queue`);
      const error = page.locator('[data-testid="deliveries-error"][data-code="NOT_FOUND"]');
      await error.waitFor();
      assert.match(await error.locator('[data-testid="error-message"]').innerText(), /\S/);
      assert.equal(await byTestId(page, 'delivery-list').count(), 0);

      await byTestId(page, 'deliveries-status').selectOption('all');
      await byTestId(page, 'deliveries-queue').selectOption('');
      await page.waitForURL(
        (url) => url.searchParams.get('status') === 'all' && !url.searchParams.has('queue'),
      );
      await settledList();
      await row(first.id).waitFor();
      await row(second.id).waitFor();
      await row(first.id).locator('[data-testid="delivery-item-link"]').click();
      await page.waitForURL(`**/audit/items/${first.id}`);
      await byTestId(page, 'item-timeline').waitFor();
      assert.equal((await byTestId(page, 'timeline-item-id').innerText()).trim(), first.id);
      await page.goBack();
      await page.waitForURL((url) => url.pathname === '/admin/deliveries');
      await row(first.id).waitFor();
      assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    });

    it('tells how many deliveries match and follows the cursor for more, each delivery once', async () => {
      const paged = await newQueue(api!.client, adminToken, {
        slug: uniqueSlug('paged'),
        name: 'Webhooks paged',
        autoApproveAbove: 0.9,
        callbackUrl: receiver!.url('/paged'),
      });
      const key = await newServiceKey(api!.client, adminToken, [paged.slug]);
      const COUNT = 103;
      const batch = await api!.client.post(
        `/api/v1/queues/${paged.slug}/items/batch`,
        { items: Array.from({ length: COUNT }, () => itemBody({ confidence: 0.97 })) },
        { apiKey: key.key },
      );
      assert.equal(batch.status, 200, JSON.stringify(batch.body));
      const all = await api!.client.get(`/api/v1/deliveries?queue=${paged.slug}&limit=1000`, {
        token: adminToken,
      });
      const expected = (all.body.deliveries as any[]).map((d) => d.id as string);
      assert.equal(expected.length, COUNT);

      // The worker sends them meanwhile: they change status while the admin pages, which changes nothing here.
      await page.goto(`${api!.url}/admin/deliveries?status=all&queue=${paged.slug}`);
      await settledList();
      const summary = byTestId(page, 'deliveries-summary');
      assert.equal(await summary.getAttribute('data-total'), String(COUNT));
      assert.match(await summary.innerText(), /^103 deliveries, newest first · showing the newest 100/);
      assert.equal(await byTestId(page, 'delivery-row').count(), 100);
      const more = byTestId(page, 'deliveries-more');
      assert.equal((await more.innerText()).trim(), 'Show 3 more');

      await more.click();
      await page.locator(`[data-testid="deliveries"][data-count="${COUNT}"]`).waitFor();
      const shown = () =>
        page
          .locator('[data-testid="delivery-row"]')
          .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id') ?? ''));
      assert.deepEqual(await shown(), expected, 'every delivery once, newest first');
      await more.waitFor({ state: 'detached' });
      assert.equal(await summary.getAttribute('data-shown'), String(COUNT));
      assert.equal((await summary.innerText()).trim(), '103 deliveries, newest first');

      // A refresh reads as many rows again as were shown.
      const reread = page.waitForResponse(
        (res) => res.url().includes('/api/v1/deliveries?') && res.url().includes(`limit=${COUNT}`),
      );
      await byTestId(page, 'deliveries-refresh').click();
      assert.equal((await reread).status(), 200);
      await settledList();
      assert.deepEqual(await shown(), expected);
      assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    });
  });

  describe('a reviewer sees the SLA deadline pass', () => {
    let page: Page;
    let reviewer: { email: string; password: string };
    let kept: { slug: string; key: string };
    let fallback: { slug: string; key: string };
    const FALLBACK_OUTPUT = { label: 'needs_human_follow_up' };

    const getItem = async (id: string) => {
      const res = await api!.client.get(`/api/v1/items/${id}`, { token: adminToken });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };

    /** Opens a queue's (empty) workspace. */
    const openWorkspace = async (slug: string) => {
      await page.goto(`${api!.url}/queues/${slug}`);
      await page.locator(`[data-testid="workspace"][data-queue="${slug}"][data-state="empty"]`).waitFor();
    };

    /**
     * Submits an item (its 1 s SLA starts now) and claims it at once with `n`. If the deadline passed before
     * the claim (a very slow machine), that item is settled and another one tried.
     */
    const claimFresh = async (queue: { slug: string; key: string }): Promise<string> => {
      for (let attempt = 1; ; attempt++) {
        const res = await api!.client.post(`/api/v1/queues/${queue.slug}/items`, itemBody(), {
          apiKey: queue.key,
        });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        const id = res.body.id as string;
        // The claim is under way once the key is handled (aria-busy), done when the workspace is idle again.
        await page.keyboard.press('n');
        await page.locator('[data-testid="workspace"][aria-busy="false"]').waitFor();
        const onScreen =
          (await byTestId(page, 'item-id').count()) > 0
            ? (await byTestId(page, 'item-id').innerText()).trim()
            : '';
        const actions = ((await getItem(id)).history as { action: string }[]).map((e) => e.action);
        const breachedFirst =
          actions.includes('item.sla_breached') &&
          actions.indexOf('item.sla_breached') < Math.max(0, actions.indexOf('item.claimed'));
        if (onScreen === id && !breachedFirst && actions.includes('item.claimed')) return id;
        assert.ok(attempt < 3, `could not claim an item before its 1 s deadline: ${actions.join(', ')}`);
        // Too late: decide whatever is on screen and start over from the empty workspace.
        if (onScreen) {
          await page.keyboard.press('a');
          await page.locator('[data-testid="workspace"][data-state="empty"]').waitFor();
        }
      }
    };

    before(async () => {
      const queue = async (settings: Record<string, unknown>) => {
        const created = await newQueue(api!.client, adminToken, { slaSeconds: 1, ...settings });
        const key = await newServiceKey(api!.client, adminToken, [created.slug]);
        return { slug: created.slug, key: key.key };
      };
      kept = await queue({ slug: uniqueSlug('sla-keep'), name: 'SLA keep', onSlaBreach: 'keep' });
      fallback = await queue({
        slug: uniqueSlug('sla-fallback'),
        name: 'SLA fallback',
        onSlaBreach: 'fallback',
        fallbackOutput: FALLBACK_OUTPUT,
      });
      const user = await newUser(api!.client, adminToken, ['reviewer'], [kept.slug, fallback.slug]);
      reviewer = user;
      const made = await openPage(browser!, pageErrors);
      contexts.push(made.context);
      page = made.page;
      await signIn(page, api!.url, reviewer.email, reviewer.password, '/');
    });

    it('keep: the "SLA deadline passed" notice appears and the item stays editable', async () => {
      await openWorkspace(kept.slug);
      const itemId = await claimFresh(kept);
      const notice = byTestId(page, 'action-notice').filter({ hasText: 'SLA deadline passed' });
      await notice.waitFor({ timeout: 5000 });
      assert.match(await notice.innerText(), /stays yours/);
      assert.equal(await notice.getAttribute('role'), 'status');
      assert.match((await notice.getAttribute('class')) ?? '', /notice-warn/, 'a warning, not an error');

      // Still the reviewer's: working, the lease counting down, every action available.
      const workspace = byTestId(page, 'workspace');
      assert.equal(await workspace.getAttribute('data-state'), 'working');
      assert.equal((await byTestId(page, 'item-id').innerText()).trim(), itemId);
      assert.equal(await byTestId(page, 'claim-closed').count(), 0);
      assert.equal(await byTestId(page, 'claim-expired').count(), 0);
      await byTestId(page, 'lease-countdown').waitFor();
      assert.ok(await byTestId(page, 'approve-button').isEnabled());
      assert.ok(await byTestId(page, 'output-editor').isEditable());
      // The facts show the deadline the item was given.
      assert.match(await byTestId(page, 'item-sla').innerText(), /\d/);
      const item = await getItem(itemId);
      assert.equal(item.status, 'claimed');
      assert.ok(item.history.some((e: any) => e.action === 'item.sla_breached'));
      await screenshot(page, SHOTS.slaKept);

      // It can still be decided.
      await byTestId(page, 'item-heading').focus();
      await page.keyboard.press('a');
      await byTestId(page, 'action-notice').filter({ hasText: 'Approved' }).waitFor();
      assert.equal((await getItem(itemId)).status, 'approved');
    });

    it('fallback: the claim is gone, with the SLA notice, and the fallback output applies', async () => {
      await openWorkspace(fallback.slug);
      const itemId = await claimFresh(fallback);
      await byTestId(page, 'claim-closed').waitFor({ timeout: 5000 });
      const notice = byTestId(page, 'action-notice').filter({ hasText: 'SLA deadline passed' });
      await notice.waitFor();
      assert.match(await notice.innerText(), /fallback output is now its final output/);
      const workspace = byTestId(page, 'workspace');
      assert.equal(await workspace.getAttribute('data-state'), 'closed');
      assert.equal(await byTestId(page, 'claim-expired').count(), 0, 'closed by the policy, not expired');
      assert.equal(await byTestId(page, 'lease-countdown').count(), 0);
      assert.ok(await byTestId(page, 'approve-button').isDisabled());
      const item = await getItem(itemId);
      assert.equal(item.status, 'fallback');
      assert.equal(item.decision.verdict, 'fallback');
      assert.deepEqual(item.decision.output, FALLBACK_OUTPUT);
      await screenshot(page, SHOTS.slaFallback);

      // The reviewer moves on with `n`: nothing else is waiting.
      await page.keyboard.press('n');
      await page.locator('[data-testid="workspace"][data-state="empty"]').waitFor();
      assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    });
  });
});
