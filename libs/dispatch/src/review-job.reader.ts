import { AppConfig } from '@arbiter/config';
import { createRedis } from '@arbiter/redis';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { type ReviewJobData, reviewQueueName } from './review-jobs.js';

export interface TakenJob {
  itemId: string;
  /** Removes the job: the item was claimed, or the job was stale. */
  done(): Promise<void>;
  /** Puts the job back in line (the claim could not be recorded). */
  putBack(): Promise<void>;
}

/** Past this, Redis counts as unavailable for this claim and the caller falls back to Postgres. */
const TAKE_TIMEOUT_MS = 500;

/**
 * Takes the next review job of a queue by manual processing. The BullMQ lock only covers the few
 * milliseconds until the claim is in Postgres; the human-length lease lives there, not here.
 */
@Injectable()
export class ReviewJobReader implements OnApplicationShutdown {
  private readonly workers = new Map<string, Worker<ReviewJobData>>();
  private connection: Redis | undefined;

  constructor(private readonly config: AppConfig) {}

  async takeNext(queueId: string): Promise<TakenJob | null> {
    const worker = this.workerFor(queueId);
    const token = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), TAKE_TIMEOUT_MS);
    });
    const taking = worker.getNextJob(token, { block: false }).catch(() => undefined);
    const job = (await Promise.race([taking, timeout]).finally(() => clearTimeout(timer))) as
      Job<ReviewJobData> | null | undefined;
    if (!job) {
      // A job taken after the timeout is put back so it is not stuck until the stalled check.
      void taking.then((late) => (late ? late.moveToWait(token).catch(() => undefined) : undefined));
      return null;
    }
    return {
      itemId: job.data.itemId,
      done: async () => {
        await job.moveToCompleted('taken', token, false).catch(() => undefined);
      },
      putBack: async () => {
        await job.moveToWait(token).catch(() => undefined);
      },
    };
  }

  private workerFor(queueId: string): Worker<ReviewJobData> {
    let worker = this.workers.get(queueId);
    if (!worker) {
      // Never blocks (block: false below), so claims made in the same tick share one write to Redis.
      this.connection ??= createRedis(this.config.REDIS_URL, 'worker', { enableAutoPipelining: true });
      worker = new Worker<ReviewJobData>(reviewQueueName(queueId), null, {
        connection: this.connection,
        prefix: this.config.REDIS_PREFIX,
        autorun: false,
        lockDuration: this.config.REVIEW_JOB_LOCK_MS,
        stalledInterval: this.config.REVIEW_JOB_LOCK_MS,
      });
      worker.on('error', () => undefined);
      // Manual processing has no stalled check of its own: without this, a job whose claim never finished
      // (the process died, or Redis failed between taking and settling it) would stay active for good.
      void worker.startStalledCheckTimer().catch(() => undefined);
      this.workers.set(queueId, worker);
    }
    return worker;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.close(true).catch(() => undefined)));
    this.connection?.disconnect();
  }
}
