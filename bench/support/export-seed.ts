import pg from 'pg';

export interface SeedOptions {
  databaseUrl: string;
  rows: number;
  queueIds: string[];
  reviewerIds: string[];
  apiKeyId: string;
  service: string;
  /** Parallel INSERT statements (each its own connection). */
  concurrency?: number;
  batch?: number;
  onProgress?: (done: number) => void;
}

/**
 * Two statements seed `count` items from `start`, then their decisions, like the review loop leaves them:
 * 60% approved, 20% corrected (another label, with the patch), 10% rejected, 10% auto-approved (no
 * reviewer). Each decision exports as about 1 KB: a support-ticket triage, its AI output and the final
 * output. Times spread from 2026-01-01 (one item every 2.5 s), decided 30 s to 10 min after receipt.
 * The decisions are a second statement so that triggers on decisions see the items.
 */
const SEED_ITEMS = `
  INSERT INTO items (id, queue_id, service, api_key_id, external_id, request_hash, model_name, model_version,
                     input, output, confidence, reason, priority, metadata, status, created_at, updated_at)
  SELECT gen_random_uuid(), ($3::uuid[])[1 + g % array_length($3::uuid[], 1)], $5, $4::uuid, 'ticket-' || g,
         md5(g::text),
         CASE WHEN g % 7 = 0 THEN 'support-triage-mini' ELSE 'support-triage' END,
         CASE WHEN g % 3 = 0 THEN '2026-03-14' ELSE '2026-02-01' END,
         jsonb_build_object('channel', 'email', 'locale', 'en-GB',
           'subject', 'Parcel arrived damaged, second time this month',
           'text', 'Hello, my order arrived this morning and the box was crushed on one side. The ceramic mug inside is cracked and the saucer is in pieces. I would like a replacement or a full refund. Thanks, Sam',
           'customer', jsonb_build_object('id', 'cus_' || g, 'tier', 'gold')),
         jsonb_build_object(
           'label', (ARRAY['complaint', 'refund_request', 'question', 'praise', 'other'])[1 + g % 5],
           'summary', 'Damaged delivery (cracked mug, broken saucer), repeat issue; wants replacement or refund. Ticket ' || g,
           'suggestedReply', 'Hi Sam, we are sorry your order arrived damaged again. We have arranged a replacement with reinforced packaging and will follow up with the courier. Reference ' || md5(g::text),
           'tags', jsonb_build_array('damaged', 'repeat', 'refund-or-replace')),
         (g % 90) / 100.0, 'low_confidence', g % 100,
         jsonb_build_object('tenant', 'acme-shop', 'traceId', md5(g::text)),
         CASE g % 10 WHEN 6 THEN 'corrected' WHEN 7 THEN 'corrected' WHEN 8 THEN 'rejected'
                     WHEN 9 THEN 'auto_approved' ELSE 'approved' END,
         timestamptz '2026-01-01T00:00:00Z' + make_interval(secs => g * 2.5),
         timestamptz '2026-01-01T00:00:00Z' + make_interval(secs => g * 2.5)
    FROM generate_series($1::bigint, $1::bigint + $2::bigint - 1) g`;

const seedDecisions = (withQueue: boolean) => `
  INSERT INTO decisions (item_id, verdict, output, patch, reviewer_id, comment, decided_at, duration_ms
                         ${withQueue ? ', queue_id' : ''})
  SELECT i.id,
         CASE i.status WHEN 'corrected' THEN 'correct' WHEN 'rejected' THEN 'reject'
                       WHEN 'auto_approved' THEN 'auto_approve' ELSE 'approve' END,
         CASE i.status WHEN 'corrected' THEN jsonb_set(i.output, '{label}', to_jsonb('other'::text))
                       WHEN 'rejected' THEN NULL ELSE i.output END,
         CASE i.status
           WHEN 'corrected'
           THEN jsonb_build_array(jsonb_build_object('op', 'replace', 'path', '/label', 'value', 'other'))
           WHEN 'rejected' THEN NULL ELSE '[]'::jsonb END,
         CASE WHEN i.status = 'auto_approved' THEN NULL
              ELSE ($3::uuid[])[1 + g % array_length($3::uuid[], 1)] END,
         CASE WHEN g % 10 = 6 THEN 'Not a complaint: a general request (ticket ' || g || ')'
              WHEN g % 10 = 8 THEN '=Escalate to the courier team' END,
         CASE WHEN i.status = 'auto_approved' THEN i.created_at
              ELSE i.created_at + make_interval(secs => 30 + g % 570) END,
         CASE WHEN i.status = 'auto_approved' THEN NULL ELSE 5000 + (g % 120) * 1000 END
         ${withQueue ? ', i.queue_id' : ''}
    FROM generate_series($1::bigint, $1::bigint + $2::bigint - 1) g
    JOIN items i ON i.service = $4 AND i.external_id = 'ticket-' || g AND i.queue_id = ($5::uuid[])[1 + g % array_length($5::uuid[], 1)]`;

/** Seeds `rows` decisions with their items; resolves with the seconds it took. */
export async function seedExportRows(options: SeedOptions): Promise<number> {
  const concurrency = options.concurrency ?? 2;
  const batch = options.batch ?? 50_000;
  const started = performance.now();
  const clients = await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const client = new pg.Client({ connectionString: options.databaseUrl });
      await client.connect();
      // A scratch database: durability of each batch's commit does not matter here, and the rows are
      // consistent by construction, so foreign-key triggers are skipped when the role may do that.
      await client.query('SET synchronous_commit = off');
      await client.query('SET session_replication_role = replica').catch(() => undefined);
      return client;
    }),
  );
  try {
    // With triggers skipped, a column a trigger would fill is filled here.
    const { rows } = await clients[0]!.query(
      `SELECT 1 FROM information_schema.columns WHERE table_name = 'decisions' AND column_name = 'queue_id'`,
    );
    const SEED_DECISIONS = seedDecisions(rows.length > 0);
    let next = 1;
    let done = 0;
    await Promise.all(
      clients.map(async (client) => {
        while (next <= options.rows) {
          const start = next;
          const count = Math.min(batch, options.rows - start + 1);
          next += count;
          await client.query(SEED_ITEMS, [start, count, options.queueIds, options.apiKeyId, options.service]);
          await client.query(SEED_DECISIONS, [
            start,
            count,
            options.reviewerIds,
            options.service,
            options.queueIds,
          ]);
          done += count;
          options.onProgress?.(done);
        }
      }),
    );
    // Hint bits and statistics now, so neither the first export nor the baseline pays for them.
    await Promise.all([
      clients[0]!.query('VACUUM (ANALYZE) items'),
      clients[1 % concurrency]!.query('VACUUM (ANALYZE) decisions, users, queues'),
    ]);
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
  return (performance.now() - started) / 1000;
}
