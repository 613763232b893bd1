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
