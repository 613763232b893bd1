import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { SCRAPE_QUERIES } from '../apps/api/src/controllers/metrics.queries.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { loginAdmin, newQueue, newServiceKey } from './support/factories.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

/** Tables that grow with use; a scrape may never read one of them whole. */
const GROWING = ['items', 'model_rollups', 'model_alerts', 'decisions', 'audit_events'];
/** What a scrape may read of them: the open items' index alone, and the alerts' (one row per alarm ever). */
const ALLOWED_READS = [
  'Index Only Scan items (items_open)',
  'Index Only Scan model_alerts (model_alerts_version)',
];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

describe('/metrics: cheap to scrape, and behind a bearer token when configured', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: pg.Client;

  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config({ METRICS_TOKEN: 'scrape-token-scrape-token' }));
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
  });

  after(async () => {
    await db?.end();
    await api?.close();
    await env?.cleanup();
  });

  it('refuses a scrape without the token, or with another, in the contract error shape', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-the-token' },
      { authorization: 'scrape-token' },
    ];
    for (const headers of attempts) {
      const res = await api.client.get('/metrics', { headers });
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal(res.body.code, 'UNAUTHENTICATED');
    }
    const ok = await api.client.get('/metrics', {
      headers: { authorization: 'Bearer scrape-token-scrape-token' },
    });
    assert.equal(ok.status, 200);
    assert.match(String(ok.body), /arbiter_queue_items/);
  });

  it('reads no growing table whole: every query has an index path', async () => {
    // Enough rows that the planner's choice is real, with the figures a scrape reports in them.
    const admin = await loginAdmin(api.client);
    const queue = await newQueue(api.client, admin);
    const key = await newServiceKey(api.client, admin, [queue.slug]);
    await db.query(
      `INSERT INTO items (id, queue_id, service, api_key_id, external_id, request_hash, model_name, model_version,
                          input, output, reason, status)
       SELECT gen_random_uuid(), $1, 'svc', $2, 'bulk-' || n, 'x', 'm', 'v' || (n % 3), '{}', '{}', 'other',
              (ARRAY['approved', 'approved', 'approved', 'pending', 'escalated'])[1 + n % 5]
         FROM generate_series(1, 20000) AS n`,
      [queue.id, key.id],
    );
    await db.query(
      `INSERT INTO model_alerts (queue_id, model_name, model_version, state, baseline_rate, observed_rate,
                                 decisions_since_change, statistic, threshold)
       SELECT $1, 'm', 'v' || (n % 3), 'acknowledged', 0.1, 0.3, 50, 9, 8 FROM generate_series(1, 5000) AS n`,
      [queue.id],
    );
    await db.query(`VACUUM ANALYZE items`);
    await db.query(`VACUUM ANALYZE model_alerts`);
    for (const [name, sql] of Object.entries(SCRAPE_QUERIES)) {
      const { rows } = await db.query(`EXPLAIN (FORMAT JSON) ${sql}`);
      const reads = nodesOf(rows[0]['QUERY PLAN'][0].Plan as PlanNode)
        .filter((n) => GROWING.includes(n['Relation Name'] ?? ''))
        .map(
          (n) => `${n['Node Type']} ${n['Relation Name']}${n['Index Name'] ? ` (${n['Index Name']})` : ''}`,
        );
      for (const read of reads) assert.ok(ALLOWED_READS.includes(read), `${name}: ${read}`);
    }
    const res = await api.client.get('/metrics', {
      headers: { authorization: 'Bearer scrape-token-scrape-token' },
    });
    const text = String(res.body);
    assert.match(text, new RegExp(`arbiter_queue_items\\{queue="${queue.slug}",status="pending"\\} 4000`));
    assert.match(text, new RegExp(`arbiter_queue_items\\{queue="${queue.slug}",status="escalated"\\} 4000`));
  });
});
