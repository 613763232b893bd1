import { Public } from '@arbiter/auth';
import { Database } from '@arbiter/database';
import { Metrics } from '@arbiter/runtime';
import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';

/** Prometheus scrape endpoint; queue depths are read from Postgres, the system of record, at scrape time. */
@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    db: Database,
  ) {
    metrics.gauge(
      'arbiter_queue_items',
      'Open items per queue and status',
      ['queue', 'status'],
      async (gauge) => {
        const rows = await db.query<{ slug: string; status: string; n: number }>(
          `SELECT q.slug, i.status, count(*)::int AS n FROM items i JOIN queues q ON q.id = i.queue_id
          WHERE i.status IN ('pending', 'claimed', 'escalated') GROUP BY q.slug, i.status`,
        );
        gauge.reset();
        for (const r of rows) gauge.set({ queue: r.slug, status: r.status }, r.n);
      },
    );
    const versionLabels = ['queue', 'model', 'version'];
    const labelsOf = (r: { slug: string; model_name: string; model_version: string }) => ({
      queue: r.slug,
      model: r.model_name,
      version: r.model_version,
    });
    metrics.gauge(
      'arbiter_model_override_rate',
      'Share of human decisions that correct or reject the model output, per model version (all time)',
      versionLabels,
      async (gauge) => {
        const rows = await db.query<{
          slug: string;
          model_name: string;
          model_version: string;
          rate: number;
        }>(
          `SELECT q.slug, r.model_name, r.model_version,
                  sum(r.corrected + r.rejected)::float8 / sum(r.approved + r.corrected + r.rejected) AS rate
             FROM model_rollups r JOIN queues q ON q.id = r.queue_id
            GROUP BY q.slug, r.model_name, r.model_version
           HAVING sum(r.approved + r.corrected + r.rejected) > 0`,
        );
        gauge.reset();
        for (const r of rows) gauge.set(labelsOf(r), r.rate);
      },
    );
    metrics.gauge(
      'arbiter_model_drift_statistic',
      "The drift detector's CUSUM statistic per model version (an alert opens when it reaches its threshold)",
      versionLabels,
      async (gauge) => {
        const rows = await db.query<{ slug: string; model_name: string; model_version: string; s: number }>(
          `SELECT q.slug, d.model_name, d.model_version, (d.state->>'statistic')::float8 AS s
             FROM model_drift d JOIN queues q ON q.id = d.queue_id`,
        );
        gauge.reset();
        for (const r of rows) gauge.set(labelsOf(r), r.s);
      },
    );
    // Counted in Postgres, so every API node reports the alerts any worker raised.
    metrics.counter(
      'arbiter_model_drift_alerts_total',
      'Drift alerts opened per model version',
      versionLabels,
      async (counter) => {
        const rows = await db.query<{ slug: string; model_name: string; model_version: string; n: number }>(
          `SELECT q.slug, a.model_name, a.model_version, count(*)::int AS n
             FROM model_alerts a JOIN queues q ON q.id = a.queue_id
            GROUP BY q.slug, a.model_name, a.model_version`,
        );
        counter.reset();
        for (const r of rows) counter.inc(labelsOf(r), r.n);
      },
    );
  }

  @Public()
  @Get('metrics')
  @ApiTags('operations')
  @ApiOperation({ summary: 'Prometheus metrics, in the text exposition format' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Requests, submissions, decisions, queue depths and process figures' })
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
