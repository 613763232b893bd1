import { actorOf, canSeeQueue, hasRole, type Principal } from '@arbiter/auth';
import { AppConfig } from '@arbiter/config';
import { DomainError, type ErrorDetail } from '@arbiter/contracts';
import { checkCallbackUrl } from '@arbiter/delivery';
import { Injectable } from '@nestjs/common';
import { OutputSchemaValidator } from './output-schema.validator.js';
import type { Queue, QueueSettings } from './queue.js';
import { QueueRepository } from './queue.repository.js';

const CACHE_TTL_MS = 1000;

@Injectable()
export class QueueService {
  private readonly cache = new Map<string, { queue: Queue; expires: number }>();

  constructor(
    private readonly queues: QueueRepository,
    private readonly schemas: OutputSchemaValidator,
    private readonly config: AppConfig,
  ) {}

  async create(principal: Principal, slug: string, settings: QueueSettings): Promise<Queue> {
    await this.assertCallbackUrl(settings.callbackUrl);
    await this.assertCallbackUrl(settings.alertUrl, 'alertUrl');
    const draft = { outputSchema: null, onSlaBreach: 'keep', fallbackOutput: null, ...settings } as Queue;
    this.assertCoherent(draft);
    return this.queues.create(slug, settings, actorOf(principal));
  }

  /** The queues the principal may see; a reviewer's own say how many pending items are assigned to them. */
  async list(principal: Principal): Promise<Queue[]> {
    const all = await this.queues.list();
    const shown = all.filter((q) => canSeeQueue(principal, q.id)).map((q) => shownTo(principal, q));
    if (principal.kind !== 'user' || !hasRole(principal, 'reviewer')) return shown;
    const assigned = await this.queues.assignedCounts(principal.id);
    return shown.map((q) =>
      principal.queueIds.has(q.id) ? { ...q, assignedToMe: assigned.get(q.id) ?? 0 } : q,
    );
  }

  /** A queue the principal may see; any other answers NOT_FOUND, so membership does not leak. */
  async get(principal: Principal, slug: string): Promise<Queue> {
    const queue = await this.queues.findBySlug(slug);
    if (!queue || !canSeeQueue(principal, queue.id)) throw DomainError.notFound('Queue');
    return shownTo(principal, queue);
  }

  async update(principal: Principal, slug: string, change: QueueSettings): Promise<Queue> {
    await this.assertCallbackUrl(change.callbackUrl);
    await this.assertCallbackUrl(change.alertUrl, 'alertUrl');
    const queue = await this.queues.update(slug, change, actorOf(principal), (next) =>
      this.assertCoherent(next),
    );
    this.cache.delete(slug);
    return queue;
  }

  async setPaused(principal: Principal, slug: string, paused: boolean): Promise<Queue> {
    const queue = await this.queues.setPaused(slug, paused, actorOf(principal));
    this.cache.delete(slug);
    return queue;
  }

  /** The queue for the submit path, cached briefly: a change made on another node applies within a second. */
  async findCached(slug: string): Promise<Queue | null> {
    const hit = this.cache.get(slug);
    if (hit && hit.expires > Date.now()) return hit.queue;
    const queue = await this.queues.findBySlug(slug);
    if (queue) this.cache.set(slug, { queue, expires: Date.now() + CACHE_TTL_MS });
    return queue;
  }

  /** The queue by id, for reads that only need its name and settings (cached like `findCached`). */
  async findCachedById(id: string): Promise<Queue | null> {
    for (const { queue, expires } of this.cache.values())
      if (queue.id === id && expires > Date.now()) return queue;
    const queue = await this.queues.findById(id);
    if (queue) this.cache.set(queue.slug, { queue, expires: Date.now() + CACHE_TTL_MS });
    return queue;
  }

  /** Problems of an output against the queue's schema (none when it has no schema). */
  outputProblems(queue: Queue, output: unknown, path = 'output'): ErrorDetail[] {
    if (!queue.outputSchema) return [];
    return this.schemas.problems(`${queue.id}:${queue.version}`, queue.outputSchema, output, path);
  }

  private assertCoherent(queue: Queue): void {
    if (queue.outputSchema) this.schemas.assertValidSchema(queue.outputSchema);
    if (queue.onSlaBreach === 'fallback') {
      if (queue.fallbackOutput === undefined || queue.fallbackOutput === null) {
        throw DomainError.validation([
          { path: 'fallbackOutput', message: 'is required when onSlaBreach is fallback' },
        ]);
      }
    }
    if (queue.outputSchema && queue.fallbackOutput !== undefined && queue.fallbackOutput !== null) {
      const problems = this.schemas.problems(
        JSON.stringify(queue.outputSchema),
        queue.outputSchema,
        queue.fallbackOutput,
        'fallbackOutput',
      );
      if (problems.length > 0)
        throw DomainError.validation(problems, 'fallbackOutput does not match outputSchema');
    }
  }

  private async assertCallbackUrl(url: string | null | undefined, path = 'callbackUrl'): Promise<void> {
    if (!url) return;
    const verdict = await checkCallbackUrl(url, this.config.WEBHOOK_ALLOW_HOSTS);
    if (!verdict.ok) throw DomainError.validation([{ path, message: `${path} ${verdict.reason}` }]);
  }
}

/** A queue as the principal is shown it: reviewers are not told how many of their items are gold. */
function shownTo(principal: Principal, queue: Queue): Queue {
  if (hasRole(principal, 'admin', 'auditor')) return queue;
  const { goldRate: _goldRate, ...shown } = queue;
  return shown;
}
