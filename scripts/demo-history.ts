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
      const status = {
        auto_approve: 'auto_approved',
        approve: 'approved',
        correct: 'corrected',
        reject: 'rejected',
      }[verdict];
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
        status,
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
      events.push({
        ...actor,
        action: 'item.received',
        subject_id: id,
        occurred_at: submittedAt.toISOString(),
        data: {
          externalId: `demo-history-${v.version}-${n + 1}`,
          reason: 'low_confidence',
          confidence,
          priority: 0,
          model: { name: 'ticket-triage', version: v.version },
          ...(qaSample ? { qaSample: true } : {}),
        },
      });
      if (human) {
        humanDecisions += 1;
        events.push({
          actor_type: 'user',
          actor_id: target.reviewer.id,
          actor_name: target.reviewer.email,
          action: 'item.decided',
          subject_id: id,
          occurred_at: at.toISOString(),
          data: { decisionId, verdict, patch, comment: null },
        });
      } else {
        events.push({
          ...actor,
          action: 'item.auto_approved',
          subject_id: id,
          occurred_at: at.toISOString(),
          data: { confidence, autoApproveAbove: target.autoApproveAbove },
        });
      }
    }
  }
  // Events in the order they happened: the detector reads decisions in the order they were recorded.
  events.sort((a, b) => String(a['occurred_at']).localeCompare(String(b['occurred_at'])));
  events.forEach((event, ord) => (event['ord'] = ord));
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO items (id, queue_id, service, api_key_id, external_id, request_hash, model_name, model_version,
                          input, output, confidence, reason, status, created_at, updated_at)
       SELECT id, queue_id, service, api_key_id, external_id, request_hash, model_name, model_version, input, output,
              confidence, 'low_confidence', status, created_at, updated_at
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, queue_id uuid, service text, api_key_id uuid,
              external_id text, request_hash text, model_name text, model_version text, input jsonb, output jsonb,
              confidence float8, status text, created_at timestamptz, updated_at timestamptz)`,
      [JSON.stringify(items)],
    );
    await tx.query(
      `INSERT INTO decisions (id, item_id, queue_id, verdict, output, patch, reviewer_id, decided_at, duration_ms)
       SELECT id, item_id, queue_id, verdict, output, patch, reviewer_id, decided_at, duration_ms
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, item_id uuid, queue_id uuid, verdict text, output jsonb,
              patch jsonb, reviewer_id uuid, decided_at timestamptz, duration_ms int)`,
      [JSON.stringify(decisions)],
    );
    await tx.query(
      `INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id,
                                 occurred_at, data)
       SELECT actor_type, actor_id, actor_name, action, 'item', subject_id, $2, occurred_at, data
         FROM jsonb_to_recordset($1::jsonb) AS r(actor_type text, actor_id text, actor_name text, action text,
              subject_id text, occurred_at timestamptz, data jsonb, ord int)
        ORDER BY ord`,
      [JSON.stringify(events), target.queueId],
    );
  });
  return { items: items.length, humanDecisions };
}
