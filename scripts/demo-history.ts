import type { Database } from '@arbiter/database';
import { seededRandom } from '@arbiter/monitoring';
import { randomUUID } from 'node:crypto';

export interface DemoHistoryTarget {
  queueId: string;
  apiKeyId: string;
  service: string;
  reviewer: { id: string; email: string };
  autoApproveAbove: number;
  qaSampleRate: number;
}

export interface DemoVersion {
  version: string;
  items: number;
  /** Days ago the version went live and was replaced (0: still live). */
  fromDaysAgo: number;
  toDaysAgo: number;
  /** Chance that a reviewer overrides an output of confidence c, before and after `driftAfter` items. */
  overrideRisk: (c: number) => number;
  driftAfter?: number;
  driftedRisk?: (c: number) => number;
}

const CATEGORIES = ['billing', 'delivery', 'technical', 'other'] as const;
const TICKETS: [string, (typeof CATEGORIES)[number]][] = [
  ['I was charged twice for my subscription this month.', 'billing'],
  ['Where is my refund? It has been two weeks.', 'billing'],
  ['The courier left my parcel at the wrong address.', 'delivery'],
  ['Tracking has not updated in five days.', 'delivery'],
  ['The app logs me out every few minutes.', 'technical'],
  ['Password reset emails never arrive.', 'technical'],
  ['Do you have a shop in Lisbon?', 'other'],
  ['Can I gift a subscription to a friend?', 'other'],
];
const REPLIES: Record<(typeof CATEGORIES)[number], string> = {
  billing: 'Sorry about the charge. We have opened a billing case and will refund any duplicate.',
  delivery: 'Sorry your parcel is late. We have asked the courier for an update.',
  technical: 'Thanks for reporting this. Our engineers are looking into it.',
  other: 'Thanks for your question. A colleague will get back to you shortly.',
};

const DAY_MS = 86_400_000;

/**
 * A past of the demo queue for the monitoring pages: items of two model versions with their decisions and
 * audit events, written as the application writes them and dated in the past. The worker folds them like
 * any decision when it starts, so the rollups and the drift alert come from the real fold and detector.
 * Seeded, so every fresh start shows the same history.
 */
export async function seedDemoHistory(
  db: Database,
  target: DemoHistoryTarget,
  versions: DemoVersion[],
): Promise<{ items: number; humanDecisions: number }> {
  const random = seededRandom(20_261_205);
  const items: Record<string, unknown>[] = [];
  const decisions: Record<string, unknown>[] = [];
  const events: Record<string, unknown>[] = [];
  const now = Date.now();
  let humanDecisions = 0;
  for (const v of versions) {
    const start = now - v.fromDaysAgo * DAY_MS;
    const span = (v.fromDaysAgo - v.toDaysAgo) * DAY_MS;
    for (let n = 0; n < v.items; n++) {
      const at = new Date(start + (span * (n + random())) / v.items);
      const [ticket, truth] = TICKETS[Math.floor(random() * TICKETS.length)]!;
      const confidence = Math.round((0.45 + 0.549 * random() ** 0.6) * 1000) / 1000;
      const risk = v.driftAfter !== undefined && n >= v.driftAfter ? v.driftedRisk! : v.overrideRisk;
      const overridden = random() < risk(confidence);
      // What the model got wrong: mostly the category, sometimes only a curt reply.
      const wrongReply = overridden && random() < 0.3;
      const category =
        overridden && !wrongReply ? CATEGORIES[(CATEGORIES.indexOf(truth) + 1) % CATEGORIES.length]! : truth;
      const output = { category, reply: wrongReply ? 'We got your message.' : REPLIES[category] };
      const confident = confidence >= target.autoApproveAbove;
      const qaSample = confident && random() < target.qaSampleRate;
      const human = !confident || qaSample;
      const verdict = !human
        ? 'auto_approve'
        : !overridden
          ? 'approve'
          : random() < 0.2
            ? 'reject'
            : 'correct';
      const id = randomUUID();
      const decisionId = randomUUID();
      const finalOutput =
        verdict === 'correct'
          ? { category: truth, reply: REPLIES[truth] }
          : verdict === 'reject'
            ? null
            : output;
      const patch =
        verdict === 'correct'
          ? [
              ...(wrongReply ? [] : [{ op: 'replace', path: '/category', value: truth }]),
              { op: 'replace', path: '/reply', value: REPLIES[truth] },
            ]
          : verdict === 'reject'
            ? null
            : [];
      const submittedAt = new Date(at.getTime() - (human ? 60_000 + random() * 600_000 : 0));
      items.push({
        id,
        queue_id: target.queueId,
        service: target.service,
        api_key_id: target.apiKeyId,
        external_id: `demo-history-${v.version}-${n + 1}`,
        request_hash: `demo-${id}`,
        model_name: 'ticket-triage',
        model_version: v.version,
        input: { ticket },
        output,
        confidence,
        verdict,
        created_at: submittedAt.toISOString(),
        updated_at: at.toISOString(),
      });
      decisions.push({
        id: decisionId,
        item_id: id,
        queue_id: target.queueId,
        verdict,
        output: finalOutput,
        patch,
        reviewer_id: human ? target.reviewer.id : null,
        decided_at: at.toISOString(),
        duration_ms: human ? Math.round(8_000 + random() * 50_000) : null,
      });
      const actor = { actor_type: 'service', actor_id: target.apiKeyId, actor_name: target.service };
      events.push(receivedEvent(actor, items.at(-1)!, qaSample ? { qaSample: true } : {}));
      if (human) {
        humanDecisions += 1;
        events.push({
          actor_type: 'user',
          actor_id: target.reviewer.id,
          actor_name: target.reviewer.email,
          queue_id: target.queueId,
          action: 'item.decided',
          subject_id: id,
          occurred_at: at.toISOString(),
          data: { decisionId, verdict, patch, comment: null },
        });
      } else {
        events.push({
          ...actor,
          queue_id: target.queueId,
          action: 'item.auto_approved',
          subject_id: id,
          occurred_at: at.toISOString(),
          data: { confidence, autoApproveAbove: target.autoApproveAbove },
        });
      }
    }
  }
  await writeDemoRows(db, { items, decisions, events });
  return { items: items.length, humanDecisions };
}

type Row = Record<string, unknown>;

/**
 * Rows as the application writes them. An item decided for good names its final verdict, which gives its status
 * (verdict_status); items may name their first review, written once decisions exist.
 */
interface DemoRows {
  items: Row[];
  decisions: Row[];
  events: Row[];
  handouts?: Row[];
}

/** Writes a demo past in one transaction, its audit events in the order they happened. */
async function writeDemoRows(db: Database, rows: DemoRows): Promise<void> {
  // Events in the order they happened: the detector reads decisions in the order they were recorded.
  const events = [...rows.events].sort((a, b) =>
    String(a['occurred_at']).localeCompare(String(b['occurred_at'])),
  );
  events.forEach((event, ord) => (event['ord'] = ord));
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO items (id, queue_id, service, api_key_id, external_id, request_hash, model_name, model_version,
                          input, output, confidence, reason, priority, status, escalated_from_id, gold_template_id,
                          created_at, updated_at)
       SELECT id, queue_id, service, api_key_id, external_id, request_hash, model_name, model_version, input, output,
              confidence, 'low_confidence', coalesce(priority, 0),
              CASE WHEN verdict IS NULL THEN status ELSE verdict_status(verdict) END, escalated_from_id, gold_template_id,
              created_at, updated_at
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, queue_id uuid, service text, api_key_id uuid,
              external_id text, request_hash text, model_name text, model_version text, input jsonb, output jsonb,
              confidence float8, priority int, status text, verdict text, escalated_from_id uuid, gold_template_id uuid,
              created_at timestamptz, updated_at timestamptz)`,
      [JSON.stringify(rows.items)],
    );
    await tx.query(
      `INSERT INTO decisions (id, item_id, queue_id, verdict, output, patch, reviewer_id, decided_at, duration_ms)
       SELECT id, item_id, queue_id, verdict, output, patch, reviewer_id, decided_at, duration_ms
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, item_id uuid, queue_id uuid, verdict text, output jsonb,
              patch jsonb, reviewer_id uuid, decided_at timestamptz, duration_ms int)`,
      [JSON.stringify(rows.decisions)],
    );
    await tx.query(
      `UPDATE items i SET first_review_id = r.first_review_id
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, first_review_id uuid)
        WHERE i.id = r.id AND r.first_review_id IS NOT NULL`,
      [JSON.stringify(rows.items)],
    );
    await tx.query(
      `INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id,
                                 occurred_at, data)
       SELECT actor_type, actor_id, actor_name, action, 'item', subject_id, queue_id, occurred_at, data
         FROM jsonb_to_recordset($1::jsonb) AS r(actor_type text, actor_id text, actor_name text, action text,
              subject_id text, queue_id uuid, occurred_at timestamptz, data jsonb, ord int)
        ORDER BY ord`,
      [JSON.stringify(events)],
    );
    if (rows.handouts?.length) {
      await tx.query(
        `INSERT INTO gold_handouts (reviewer_id, template_id, item_id, handed_at)
         SELECT reviewer_id, template_id, item_id, handed_at
           FROM jsonb_to_recordset($1::jsonb) AS r(reviewer_id uuid, template_id uuid, item_id uuid,
                handed_at timestamptz)`,
        [JSON.stringify(rows.handouts)],
      );
    }
  });
}

type Category = (typeof CATEGORIES)[number];
type Expected = { verdict: 'approve' } | { verdict: 'reject' } | { verdict: 'correct'; output: TriageOutput };
interface TriageOutput {
  category: Category;
  reply: string;
}

const triage = (category: Category, reply = REPLIES[category]): TriageOutput => ({ category, reply });

/**
 * The demo queue's gold items: a ticket, the category the model gave it (with a curt reply where marked),
 * its confidence, and the right decision: approve, reject, or the category it should have had.
 */
const GOLD_TABLE: [string, Category, number, 'approve' | 'reject' | Category, 'curt'?][] = [
  ['You charged my card after I cancelled.', 'billing', 0.71, 'approve'],
  ['The box came crushed and two glasses are broken.', 'billing', 0.58, 'delivery'],
  ['WIN A FREE PHONE!!! click the link now', 'other', 0.52, 'reject'],
  ['I cannot log in since the last update.', 'technical', 0.8, 'approve'],
  ['Why is my invoice in dollars? I live in France.', 'other', 0.49, 'billing'],
  ['The courier says he rang but nobody came to the door. I was home.', 'delivery', 0.77, 'approve'],
  ['Export to PDF gives an empty page.', 'technical', 0.66, 'technical', 'curt'],
  ['Do you sell gift cards?', 'other', 0.83, 'approve'],
  ['buy cheap followers at best-price-followers dot net', 'technical', 0.47, 'reject'],
  ['I was refunded only half of the order.', 'delivery', 0.55, 'billing'],
  ['The parcel is stuck in customs for a week.', 'delivery', 0.74, 'approve'],
  ['The app drains my battery overnight.', 'other', 0.51, 'technical'],
  ['Can I change my delivery address after ordering?', 'delivery', 0.69, 'approve'],
  ['My discount code was not applied at checkout.', 'billing', 0.73, 'approve'],
];

export const DEMO_GOLD: { ticket: string; output: TriageOutput; confidence: number; expected: Expected }[] =
  GOLD_TABLE.map(([ticket, category, confidence, right, curt]) => ({
    ticket,
    output: triage(category, curt ? 'We got your message.' : undefined),
    confidence,
    expected:
      right === 'approve' || right === 'reject'
        ? { verdict: right }
        : { verdict: 'correct', output: triage(right) },
  }));

export interface DemoGoldTarget {
  queueId: string;
  apiKeyId: string;
  service: string;
  /** The template ids of DEMO_GOLD, in its order. */
  templateIds: string[];
  /** Each reviewer's past: how many templates they decided (each once) and how often rightly. */
  reviewers: { id: string; email: string; decided: number; accuracy: number }[];
}

/**
 * Past gold items of the demo queue, decided by the demo reviewers over the last two weeks: instances written as
 * claim_gold writes them (a system actor on item.received, what reviewers were shown), their decisions, and the
 * hand-outs, so the reviewers page shows gold accuracy and live gold items go first to templates not yet seen.
 */
export async function seedDemoGold(db: Database, target: DemoGoldTarget): Promise<{ decisions: number }> {
  const random = seededRandom(20_261_206);
  const rows: Required<DemoRows> = { items: [], decisions: [], events: [], handouts: [] };
  const now = Date.now();
  for (const reviewer of target.reviewers) {
    const order = DEMO_GOLD.map((_, n) => n).sort(() => random() - 0.5);
    for (const n of order.slice(0, reviewer.decided)) {
      const gold = DEMO_GOLD[n]!;
      const templateId = target.templateIds[n]!;
      const created = new Date(now - (1 + random() * 13) * DAY_MS);
      const decided = new Date(created.getTime() + 60_000 + random() * 900_000);
      const right = random() < reviewer.accuracy;
      const { verdict, output } = goldDecision(gold, right);
      const id = randomUUID();
      const decisionId = randomUUID();
      const externalId = `demo-history-2026-11-${1000 + Math.floor(random() * 800)}`;
      rows.items.push({
        id,
        queue_id: target.queueId,
        service: target.service,
        api_key_id: target.apiKeyId,
        external_id: externalId,
        request_hash: `gold:${templateId}`,
        model_name: 'ticket-triage',
        model_version: '2026-11',
        input: { ticket: gold.ticket },
        output: gold.output,
        confidence: gold.confidence,
        verdict,
        gold_template_id: templateId,
        created_at: created.toISOString(),
        updated_at: decided.toISOString(),
      });
      const patch =
        verdict === 'approve' ? [] : verdict === 'reject' ? null : triagePatch(gold.output, output!);
      rows.decisions.push({
        id: decisionId,
        item_id: id,
        queue_id: target.queueId,
        verdict,
        output: verdict === 'approve' ? gold.output : output,
        patch,
        reviewer_id: reviewer.id,
        decided_at: decided.toISOString(),
        duration_ms: Math.round(10_000 + random() * 60_000),
      });
      rows.events.push(
        receivedEvent({ actor_type: 'system', actor_id: null, actor_name: 'arbiter' }, rows.items.at(-1)!, {
          gold: {
            templateId,
            shownAs: { actor: { type: 'service', id: target.apiKeyId, name: target.service } },
          },
        }),
        decidedEvent(reviewer, target.queueId, id, decisionId, verdict, patch, decided),
      );
      rows.handouts.push({
        reviewer_id: reviewer.id,
        template_id: templateId,
        item_id: id,
        handed_at: created.toISOString(),
      });
    }
  }
  await writeDemoRows(db, rows);
  return { decisions: rows.decisions.length };
}

/** A reviewer's decision of a gold item, right or wrong. */
function goldDecision(
  gold: (typeof DEMO_GOLD)[number],
  right: boolean,
): { verdict: 'approve' | 'correct' | 'reject'; output: TriageOutput | null } {
  const { expected } = gold;
  if (right)
    return { verdict: expected.verdict, output: expected.verdict === 'correct' ? expected.output : null };
  if (expected.verdict === 'approve') {
    const other = CATEGORIES[(CATEGORIES.indexOf(gold.output.category) + 1) % CATEGORIES.length]!;
    return { verdict: 'correct', output: triage(other) };
  }
  return { verdict: 'approve', output: null };
}

function triagePatch(from: TriageOutput, to: TriageOutput): Row[] {
  return (['category', 'reply'] as const)
    .filter((field) => from[field] !== to[field])
    .map((field) => ({ op: 'replace', path: `/${field}`, value: to[field] }));
}

/** An item's item.received event as ingest writes it (claim_gold for a gold item, with `extra`). */
function receivedEvent(actor: Row, item: Row, extra: Row = {}): Row {
  return {
    ...actor,
    queue_id: item['queue_id'],
    action: 'item.received',
    subject_id: item['id'],
    occurred_at: item['created_at'],
    data: {
      externalId: item['external_id'],
      reason: 'low_confidence',
      confidence: item['confidence'],
      priority: 0,
      model: { name: item['model_name'], version: item['model_version'] },
      ...extra,
    },
  };
}

function decidedEvent(
  reviewer: { id: string; email: string },
  queueId: string,
  itemId: string,
  decisionId: string,
  verdict: string,
  patch: Row[] | null,
  at: Date,
): Row {
  return {
    actor_type: 'user',
    actor_id: reviewer.id,
    actor_name: reviewer.email,
    queue_id: queueId,
    action: 'item.decided',
    subject_id: itemId,
    occurred_at: at.toISOString(),
    data: { decisionId, verdict, patch, comment: null },
  };
}

export interface DemoSecondReviewTarget {
  queueId: string;
  /** Where disagreements go for adjudication. */
  adjudicationQueueId: string;
  apiKeyId: string;
  service: string;
  reviewers: [{ id: string; email: string }, { id: string; email: string }];
  adjudicator: { id: string; email: string };
}

/**
 * The two-review queue's past over ten days: every item reviewed by both demo reviewers (either first), who
 * disagree now and then; a disagreement went to the adjudication queue, where the adjudicator decided all but
 * the last few, left waiting. Today's work waits too: fresh items, and items whose first review is done.
 */
export async function seedDemoSecondReview(
  db: Database,
  target: DemoSecondReviewTarget,
  counts: { past: number; adjudicationsWaiting: number; fresh: number; awaitingSecond: number },
): Promise<{ items: number; disagreements: number; waiting: number; open: number }> {
  const random = seededRandom(20_261_207);
  const rows: DemoRows = { items: [], decisions: [], events: [] };
  const now = Date.now();
  const total = counts.past + counts.fresh + counts.awaitingSecond;
  const disagreements: number[] = [];
  for (let n = 0; n < total; n++) {
    const past = n < counts.past;
    const created = past
      ? new Date(now - (10 - (10 * n) / counts.past) * DAY_MS)
      : new Date(now - (total - n) * 240_000);
    const [ticket, truth] = TICKETS[Math.floor(random() * TICKETS.length)]!;
    const modelRight = random() < 0.75;
    const output = modelRight ? triage(truth) : triage(CATEGORIES[(CATEGORIES.indexOf(truth) + 2) % 4]!);
    const id = randomUUID();
    const externalId = `refund-desk-${5000 + n}`;
    const item: Row = {
      id,
      queue_id: target.queueId,
      service: target.service,
      api_key_id: target.apiKeyId,
      external_id: externalId,
      request_hash: `demo-${id}`,
      model_name: 'ticket-triage',
      model_version: '2026-11',
      input: { ticket },
      output,
      confidence: Math.round((0.5 + 0.45 * random()) * 1000) / 1000,
      status: 'pending',
      created_at: created.toISOString(),
      updated_at: created.toISOString(),
    };
    rows.items.push(item);
    rows.events.push(
      receivedEvent({ actor_type: 'service', actor_id: target.apiKeyId, actor_name: target.service }, item),
    );
    if (!past && n < counts.past + counts.fresh) continue;

    // Who reviews first alternates; each review is right most of the time, and wrong the same way rarely.
    const order = n % 2 === 0 ? target.reviewers : ([target.reviewers[1], target.reviewers[0]] as const);
    let at = created.getTime();
    const review = (reviewer: { id: string; email: string }, queueId: string) => {
      at += 120_000 + random() * 3_600_000;
      const right = random() < 0.93;
      const verdict: 'approve' | 'correct' = right === modelRight ? 'approve' : 'correct';
      const final =
        verdict === 'approve'
          ? output
          : right
            ? triage(truth)
            : triage(CATEGORIES[(CATEGORIES.indexOf(truth) + 1) % 4]!);
      const patch = verdict === 'approve' ? [] : triagePatch(output, final);
      const decisionId = randomUUID();
      const decided = new Date(Math.min(at, now - 60_000));
      rows.decisions.push({
        id: decisionId,
        item_id: id,
        queue_id: queueId,
        verdict,
        output: final,
        patch,
        reviewer_id: reviewer.id,
        decided_at: decided.toISOString(),
        duration_ms: Math.round(9_000 + random() * 70_000),
      });
      rows.events.push(decidedEvent(reviewer, queueId, id, decisionId, verdict, patch, decided));
      return { decisionId, verdict, final, decided };
    };
    const first = review(order[0], target.queueId);
    if (!past) {
      // Awaiting its second review: the first is recorded, the item back in line for the other reviewer.
      item['first_review_id'] = first.decisionId;
      item['updated_at'] = first.decided.toISOString();
      continue;
    }
    const second = review(order[1], target.queueId);
    const agree =
      first.verdict === second.verdict && JSON.stringify(first.final) === JSON.stringify(second.final);
    if (agree) {
      item['verdict'] = first.verdict;
      item['updated_at'] = second.decided.toISOString();
      continue;
    }
    disagreements.push(n);
    item['queue_id'] = target.adjudicationQueueId;
    item['escalated_from_id'] = target.queueId;
    item['updated_at'] = second.decided.toISOString();
    rows.events.push({
      actor_type: 'system',
      actor_id: null,
      actor_name: 'arbiter',
      queue_id: target.queueId,
      action: 'item.escalated',
      subject_id: id,
      occurred_at: second.decided.toISOString(),
      data: {
        reason: 'reviewers_disagree',
        decisionIds: [first.decisionId, second.decisionId],
        fromQueueId: target.queueId,
        toQueueId: target.adjudicationQueueId,
      },
    });
  }
  // The last few disagreements still wait for the adjudicator; the others were settled.
  const waiting = new Set(disagreements.slice(-counts.adjudicationsWaiting));
  for (const n of disagreements) {
    const item = rows.items[n]!;
    if (waiting.has(n)) continue;
    const { id, output } = item as { id: string; output: TriageOutput };
    const settled = new Date(Math.min(Date.parse(String(item['updated_at'])) + 3_600_000, now - 60_000));
    const final = triage(TICKETS.find(([t]) => t === (item['input'] as { ticket: string }).ticket)![1]);
    const verdict = JSON.stringify(final) === JSON.stringify(output) ? 'approve' : 'correct';
    const patch = verdict === 'approve' ? [] : triagePatch(output, final);
    const decisionId = randomUUID();
    rows.decisions.push({
      id: decisionId,
      item_id: id,
      queue_id: target.adjudicationQueueId,
      verdict,
      output: final,
      patch,
      reviewer_id: target.adjudicator.id,
      decided_at: settled.toISOString(),
      duration_ms: Math.round(20_000 + random() * 90_000),
    });
    rows.events.push(
      decidedEvent(target.adjudicator, target.adjudicationQueueId, id, decisionId, verdict, patch, settled),
    );
    item['verdict'] = verdict;
    item['updated_at'] = settled.toISOString();
  }
  await writeDemoRows(db, rows);
  return {
    items: total,
    disagreements: disagreements.length,
    waiting: waiting.size,
    open: counts.fresh + counts.awaitingSecond,
  };
}
