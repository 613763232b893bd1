import { Public } from '@arbiter/auth';
import { Database } from '@arbiter/database';
import { Metrics } from '@arbiter/runtime';
import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { MetricsTokenGuard } from '../http/metrics-token.guard.js';
import { SCRAPE_QUERIES } from './metrics.queries.js';

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
        const rows = await db.query<{ slug: string; status: string; n: number }>(SCRAPE_QUERIES.openItems);
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
        }>(SCRAPE_QUERIES.overrideRates);
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
          SCRAPE_QUERIES.driftStatistics,
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
          SCRAPE_QUERIES.alertCounts,
        );
        counter.reset();
        for (const r of rows) counter.inc(labelsOf(r), r.n);
      },
    );
  }

  @Public()
  @UseGuards(MetricsTokenGuard)
  @Get('metrics')
  @ApiTags('operations')
  @ApiOperation({
    summary: 'Prometheus metrics, in the text exposition format',
    description: 'With METRICS_TOKEN set, only for `Authorization: Bearer <METRICS_TOKEN>`',
  })
  @ApiBearerAuth()
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Requests, submissions, decisions, queue depths and process figures' })
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.text();
  }
}
