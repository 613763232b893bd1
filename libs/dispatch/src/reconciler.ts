import { Injectable, Logger } from '@nestjs/common';
import { PendingItemRepository } from './pending-item.repository.js';
import { ReviewDispatcher } from './review-dispatcher.js';

const PAGE = 1000;
/** Every this many runs a queue is swept item by item even when the counts agree. */
const FULL_SWEEP_EVERY = 12;

export interface ReconcileReport {
  queues: number;
  swept: number;
  enqueued: number;
  /** Items taken back from assignees who may no longer be assigned them. */
  unassigned: number;
}

/**
 * Makes Redis agree with Postgres: every pending item assigned to nobody has its review job (assigned items are
 * found in Postgres by their assignee's claim). Covers submits made while Redis was down and Redis losing its
 * data. Idempotent (job id = item id), so any number of workers may run it.
 */
@Injectable()
export class Reconciler {
  private readonly logger = new Logger(Reconciler.name);
  private runs = 0;

  constructor(
    private readonly pending: PendingItemRepository,
    private readonly dispatcher: ReviewDispatcher,
  ) {}

  async reconcileOnce(): Promise<ReconcileReport> {
    const fullSweep = this.runs++ % FULL_SWEEP_EVERY === 0;
    const unassigned = await this.pending.unassignStranded();
    if (unassigned.length > 0) {
      this.logger.log(`unassigned ${unassigned.length} item(s) whose assignee may no longer review them`);
      // Committed either way: with Redis away, a later run finds them missing from the line.
      await this.dispatcher.enqueue(unassigned);
    }
    const counts = await this.pending.countsByQueue();
    const report: ReconcileReport = {
      queues: counts.size,
      swept: 0,
      enqueued: 0,
      unassigned: unassigned.length,
    };
    for (const [queueId, pendingCount] of counts) {
      if (pendingCount === 0) continue;
      if (!fullSweep && (await this.dispatcher.waitingCount(queueId)) >= pendingCount) continue;
      report.swept++;
      report.enqueued += await this.sweep(queueId);
    }
    if (report.enqueued > 0) this.logger.log(`re-enqueued ${report.enqueued} pending item(s)`);
    return report;
  }

  private async sweep(queueId: string): Promise<number> {
    let enqueued = 0;
    let after: string | null = null;
    for (;;) {
      const page = await this.pending.page(queueId, after, PAGE);
      if (page.length === 0) return enqueued;
      after = page[page.length - 1]!.id;
      const missing = new Set(
        await this.dispatcher.missing(
          queueId,
          page.map((i) => i.id),
        ),
      );
      const toAdd = page.filter((i) => missing.has(i.id));
      if (toAdd.length > 0) {
        if (!(await this.dispatcher.enqueue(toAdd))) throw new Error('Redis refused the re-enqueue');
        // An item claimed between the page read and the enqueue (its job taken and gone) just got a job
        // again: take it back, or it lingers for an item that may be decided already. An item pending again
        // by now loses nothing: a later run finds it missing and queues it.
        const stale = await this.pending.noLongerPending(
          queueId,
          toAdd.map((i) => i.id),
        );
        if (stale.length > 0) await this.dispatcher.withdraw(queueId, stale);
        enqueued += toAdd.length - stale.length;
      }
    }
  }
}
