import { AppConfig } from '@arbiter/config';
import { Global, Injectable, Module } from '@nestjs/common';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one process: its own registry, so several apps in one process never collide. */
@Injectable()
export class Metrics {
  /** What this process counts itself (requests, submissions, decisions, its own figures). */
  readonly registry = new Registry();
  /** What is read from Postgres at scrape time: the same whichever process of a node reads it. */
  readonly scraped = new Registry();
  /**
   * Set in an API worker of several processes: the process-local metrics of all of them, summed by the
   * primary, so a scrape that reaches any one worker reports the whole node.
   */
  processMetrics?: () => Promise<string>;

  readonly httpRequests = new Counter({
    name: 'arbiter_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'arbiter_http_request_duration_seconds',
    help: 'HTTP request duration by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly itemsSubmitted = new Counter({
    name: 'arbiter_items_submitted_total',
    help: 'Items stored by queue and initial status (pending or auto_approved)',
    labelNames: ['queue', 'status'] as const,
    registers: [this.registry],
  });

  readonly enqueueDeferred = new Counter({
    name: 'arbiter_enqueue_deferred_total',
    help: 'Committed items whose queueing in Redis failed and was left to the reconciler',
    registers: [this.registry],
  });

  readonly decisions = new Counter({
    name: 'arbiter_decisions_total',
    help: 'Human decisions by queue and verdict; correct and reject over all is how often people change the AI',
    labelNames: ['queue', 'verdict'] as const,
    registers: [this.registry],
  });

  constructor(private readonly config: AppConfig) {
    collectDefaultMetrics({ register: this.registry, prefix: 'arbiter_' });
  }

  /** The exposition text of a scrape. */
  async text(): Promise<string> {
    const local = this.processMetrics ? await this.processMetrics() : await this.registry.metrics();
    return `${local.endsWith('\n') || local === '' ? local : `${local}\n`}${await this.scraped.metrics()}`;
  }

  /** A counter whose value is read at scrape time (kept in Postgres, so it survives restarts). */
  counter(
    name: string,
    help: string,
    labelNames: string[],
    collect: (counter: Counter) => Promise<void>,
  ): Counter {
    const read = atMostEvery(this.config.METRICS_READ_INTERVAL_MS, collect);
    return new Counter({
      name,
      help,
      labelNames,
      registers: [this.scraped],
      async collect() {
        await read(this);
      },
    });
  }

  /** A gauge whose value is read at scrape time. */
  gauge(name: string, help: string, labelNames: string[], collect: (gauge: Gauge) => Promise<void>): Gauge {
    const read = atMostEvery(this.config.METRICS_READ_INTERVAL_MS, collect);
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.scraped],
      async collect() {
        await read(this);
      },
    });
  }
}

/** Runs `work` when it last started `ms` ago or more (or never); otherwise the values it set stand. */
function atMostEvery<T>(ms: number, work: (target: T) => Promise<void>): (target: T) => Promise<void> {
  let last = -Infinity;
  let running: Promise<void> | undefined;
  return (target) => {
    if (running) return running;
    if (Date.now() - last < ms) return Promise.resolve();
    last = Date.now();
    running = work(target).finally(() => (running = undefined));
    return running;
  };
}

@Global()
@Module({ providers: [Metrics], exports: [Metrics] })
export class MetricsModule {}
