/**
 * What a scrape reads from Postgres. Each costs what the number of queues and model versions costs, never
 * what the number of items, hours or alerts does (test/metrics-scrape.test.ts checks their plans).
 */
export const SCRAPE_QUERIES = {
  openItems: `SELECT q.slug, i.status, count(*)::int AS n FROM items i JOIN queues q ON q.id = i.queue_id
               WHERE i.status IN ('pending', 'claimed', 'escalated') GROUP BY q.slug, i.status`,
  overrideRates: `SELECT q.slug, t.model_name, t.model_version,
                         (t.corrected + t.rejected)::float8 / (t.approved + t.corrected + t.rejected) AS rate
                    FROM model_totals t JOIN queues q ON q.id = t.queue_id
                   WHERE t.approved + t.corrected + t.rejected > 0`,
  driftStatistics: `SELECT q.slug, d.model_name, d.model_version, (d.state->>'statistic')::float8 AS s
                      FROM model_drift d JOIN queues q ON q.id = d.queue_id`,
  alertCounts: `SELECT q.slug, a.model_name, a.model_version, count(*)::int AS n
                  FROM model_alerts a JOIN queues q ON q.id = a.queue_id
                 GROUP BY q.slug, a.model_name, a.model_version`,
} as const;
