import { type Actor, type AuditEventView, AuditRepository } from '@arbiter/audit';
import { canSeeQueue, hasRole, type Principal, type ServicePrincipal } from '@arbiter/auth';
import { AppConfig } from '@arbiter/config';
import {
  type BatchEntryResult,
  type BatchResult,
  canonicalJson,
  DomainError,
  limits,
  refusalOf,
  SubmitBatchDto,
  SubmitItemDto,
  validateInput,
} from '@arbiter/contracts';
import { Database } from '@arbiter/database';
import { checkCallbackUrl } from '@arbiter/delivery';
import { ReviewDispatcher } from '@arbiter/dispatch';
import { DomainEvents } from '@arbiter/events';
import type { Queue } from '@arbiter/queues';
import { QueueService } from '@arbiter/queues';
import { Coalescer, KeyedThrottle, Metrics } from '@arbiter/runtime';
import { Injectable, Optional } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { FINAL_STATUSES, type ItemView, type NewItem } from './item.js';
import { AdmissionControl } from './admission-control.js';
import { type ExistingItem, ItemRepository, type StoredItem } from './item.repository.js';
import { uuidv7 } from './uuid-v7.js';

export interface SubmitResult {
  created: boolean;
  item: ItemView;
}

type Prepared = NewItem & { autoApproveAbove: number | null };

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** A batch whose first request died mid-way may be retried after this long. */
const IN_FLIGHT_TAKEOVER = '5 minutes';

@Injectable()
export class IngestService {
  /** Single submits and batches alike share inserts: fewer, larger statements keep Postgres busy on rows. */
  private readonly writes = new Coalescer<Prepared, Map<string, StoredItem>>(
    async (items) => {
      const { inserted } = await this.items.insertMany(items);
      for (const item of items) item.status = inserted.get(item.id)?.status ?? item.status;
      return inserted;
    },
    2,
    1000,
  );

  /** At most ten `queue.changed` events a second per queue: receivers coalesce to four pushes a second anyway. */
  private readonly changed = new KeyedThrottle(100, (queueId) =>
    this.events.publish({ type: 'queue.changed', queueId }),
  );

  constructor(
    private readonly items: ItemRepository,
    private readonly queues: QueueService,
    private readonly dispatcher: ReviewDispatcher,
    private readonly audit: AuditRepository,
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly events: DomainEvents,
    private readonly admission: AdmissionControl,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  async submit(
    principal: ServicePrincipal,
    slug: string,
    dto: SubmitItemDto,
    idempotencyKey?: string,
  ): Promise<SubmitResult> {
    const key = checkIdempotencyKey(idempotencyKey);
    const queue = await this.openQueueFor(principal, slug);
    const item = await this.prepare(principal, queue, dto, key);
    if (item.assigneeId && !(await this.items.assignable(queue.id, [item.assigneeId])).has(item.assigneeId)) {
      // A repeat of an item already stored is answered as usual, though its assignee may have left the queue.
      return this.replayOr(principal, queue, item, () => assigneeRefused(queue));
    }
    try {
      await this.admission.admit(queue, principal.service, 1);
    } catch (error) {
      // A repeat of an item already stored is answered as usual, however full the queue is now.
      return this.replayOr(principal, queue, item, () => error as Error);
    }
    const createdAt = (await this.writes.submit([item])).get(item.id)?.createdAt;
    if (!createdAt)
      return this.replayOr(principal, queue, item, (existing) => idempotencyConflict(item, existing));
    this.metrics?.itemsSubmitted.inc({ queue: queue.slug, status: item.status });
    if (item.status === 'pending') {
      await this.dispatcher.enqueue(inSharedLine([item]));
      this.changed.touch(queue.id);
      this.assignmentsChanged(queue, [item]);
      return { created: true, item: viewOfNew(item, queue.slug, createdAt) };
    }
    this.announceAutoApproved(queue, [item]);
    return { created: true, item: stripInternal((await this.items.findView(item.id))!) };
  }

  /** A single submit not stored now: the item stored earlier for the same request, or `refusal`. */
  private async replayOr(
    principal: ServicePrincipal,
    queue: Queue,
    item: Prepared,
    refusal: (existing: ExistingItem | undefined) => Error,
  ): Promise<SubmitResult> {
    const [existing] = await this.resolveConflicts(principal, queue, [item]);
    if (!existing || existing.requestHash !== item.requestHash) throw refusal(existing);
    return { created: false, item: stripInternal((await this.items.findView(existing.id))!) };
  }

  async submitBatch(
    principal: ServicePrincipal,
    slug: string,
    dto: SubmitBatchDto,
    idempotencyKey?: string,
  ): Promise<BatchResult> {
    const key = checkIdempotencyKey(idempotencyKey);
    if (dto.items.length > limits.batchItems) {
      throw DomainError.validation([
        { path: 'items', message: `a batch holds at most ${limits.batchItems} items` },
      ]);
    }
    const queue = await this.openQueueFor(principal, slug);
    if (!key) {
      await this.admission.admit(queue, principal.service, dto.items.length);
      return this.processBatch(principal, queue, dto.items);
    }

    const requestHash = sha256(canonicalJson({ queue: slug, items: dto.items }));
    const stored = await this.claimBatchKey(principal.service, key, requestHash);
    if (stored) return stored;
    try {
      await this.admission.admit(queue, principal.service, dto.items.length);
      const result = await this.processBatch(principal, queue, dto.items);
      await this.db.query(
        `UPDATE idempotency_records SET response = $3, response_status = 200 WHERE service = $1 AND key = $2`,
        [principal.service, key, JSON.stringify(result)],
      );
      return result;
    } catch (error) {
      await this.db.query(
        `DELETE FROM idempotency_records WHERE service = $1 AND key = $2 AND response IS NULL AND item_id IS NULL`,
        [principal.service, key],
      );
      throw error;
    }
  }

  /** An item with its history, if the principal may see it; NOT_FOUND otherwise (no existence leak). */
  async get(principal: Principal, id: string): Promise<ItemView> {
    const [item, flags] = /^[0-9a-f-]{36}$/i.test(id)
      ? await Promise.all([this.items.findView(id), this.items.readerFlags(id)])
      : [null, null];
    const visible =
      item &&
      flags &&
      // A service reads what it submitted through any of its keys that may use the item's queue: a rotated key
      // keeps reading the old key's items, a key scoped to other queues does not.
      (principal.kind === 'service'
        ? item.service === principal.service && principal.queueIds.has(item.queueId) && !flags.gold
        : hasRole(principal, 'admin', 'auditor') || canSeeQueue(principal, item.queueId));
    if (!visible) throw DomainError.notFound('Item');
    let history = await this.audit.historyOf(item.id);
    if (principal.kind === 'user' && !hasRole(principal, 'admin', 'auditor')) {
      // A reviewer reviews blind: not told which items are QA samples or gold, and, while an item waits for
      // its second review, not shown the first (they must be independent). Admins and auditors see everything.
      const hideDecisions = !FINAL_STATUSES.has(item.status) && flags.awaitsSecondReview;
      history = history
        .filter((event) => !(hideDecisions && event.action === 'item.decided'))
        .map((event) => (event.action === 'item.received' ? receivedAsShown(event, item.createdAt) : event));
    }
    return { ...stripInternal(item), history };
  }

  private async processBatch(
    principal: ServicePrincipal,
    queue: Queue,
    entries: unknown[],
  ): Promise<BatchResult> {
    const results: BatchEntryResult[] = new Array(entries.length);
    const checked: { index: number; item: Prepared }[] = [];
    for (const [index, entry] of entries.entries()) {
      try {
        const dto = validateInput(SubmitItemDto, entry);
        checked.push({ index, item: await this.prepare(principal, queue, dto, null) });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        results[index] = { index, error: refusalOf(error) };
      }
    }
    const assignable = await this.items.assignable(queue.id, [
      ...new Set(checked.flatMap(({ item }) => (item.assigneeId ? [item.assigneeId] : []))),
    ]);
    const prepared = checked.filter(({ item }) => !item.assigneeId || assignable.has(item.assigneeId));
    const refused = checked.filter(({ item }) => item.assigneeId && !assignable.has(item.assigneeId));
    // As for a single submit: an entry stored before is answered as such, though its assignee may have left.
    await this.answerFromStored(principal, queue, refused, results, () => assigneeRefused(queue));
    const inserted =
      prepared.length > 0
        ? await this.writes.submit(prepared.map((p) => p.item))
        : new Map<string, StoredItem>();
    const conflicting = prepared.filter((p) => !inserted.has(p.item.id));
    await this.answerFromStored(principal, queue, conflicting, results, idempotencyConflict);
    const fresh = prepared.filter((p) => inserted.has(p.item.id));
    for (const { item } of fresh)
      this.metrics?.itemsSubmitted.inc({ queue: queue.slug, status: item.status });
    for (const { index, item } of fresh) results[index] = { index, id: item.id, status: item.status };
    const pending = fresh.map((p) => p.item).filter((i) => i.status === 'pending');
    await this.dispatcher.enqueue(inSharedLine(pending));
    if (pending.length > 0) this.changed.touch(queue.id);
    this.assignmentsChanged(queue, pending);
    this.announceAutoApproved(
      queue,
      fresh.map((p) => p.item).filter((i) => i.status !== 'pending'),
    );
    return { results };
  }

  /** Tells the assignees of new pending items (their queue lists count them). */
  private assignmentsChanged(queue: Queue, pending: Prepared[]): void {
    const userIds = [...new Set(pending.flatMap((i) => (i.assigneeId ? [i.assigneeId] : [])))];
    if (userIds.length > 0) {
      this.events.publish({ type: 'assignments.changed', queueId: queue.id, queue: queue.slug, userIds });
    }
  }

  /** An auto-approval is a decision: the queue's subscribers hear of it as of any other. */
  private announceAutoApproved(queue: Queue, items: Prepared[]): void {
    this.events.publish(
      ...items.map((item) => ({
        type: 'item.decided' as const,
        itemId: item.id,
        queueId: queue.id,
        queue: queue.slug,
        verdict: 'auto_approve' as const,
      })),
    );
  }

  /**
   * Batch entries that were not stored now: each is answered with the item stored earlier for the same request,
   * or refused with what `refusal` says.
   */
  private async answerFromStored(
    principal: ServicePrincipal,
    queue: Queue,
    entries: { index: number; item: Prepared }[],
    results: BatchEntryResult[],
    refusal: (item: Prepared, found: ExistingItem | undefined) => DomainError,
  ): Promise<void> {
    const stored = await this.resolveConflicts(
      principal,
      queue,
      entries.map((e) => e.item),
    );
    for (const [i, { index, item }] of entries.entries()) {
      const found = stored[i];
      results[index] =
        found && found.requestHash === item.requestHash
          ? { index, id: found.id, status: found.status }
          : { index, error: refusalOf(refusal(item, found)) };
    }
  }

  /** Stores the batch key as in flight, or answers from what an earlier request with that key stored. */
  private async claimBatchKey(
    service: string,
    key: string,
    requestHash: string,
  ): Promise<BatchResult | null> {
    // Single submits claim their keys in the same table (item_id set), so one key names one request.
    const [claimed] = await this.db.query(
      `INSERT INTO idempotency_records (service, key, request_hash) VALUES ($1, $2, $3)
       ON CONFLICT (service, key) DO UPDATE SET created_at = now()
         WHERE idempotency_records.response IS NULL AND idempotency_records.item_id IS NULL
           AND idempotency_records.request_hash = $3
           AND idempotency_records.created_at < now() - interval '${IN_FLIGHT_TAKEOVER}'
       RETURNING key`,
      [service, key, requestHash],
    );
    if (claimed) return null;
    const [record] = await this.db.query<{
      request_hash: string;
      response: BatchResult | null;
      item_id: string | null;
    }>(`SELECT request_hash, response, item_id FROM idempotency_records WHERE service = $1 AND key = $2`, [
      service,
      key,
    ]);
    if (!record) return this.claimBatchKey(service, key, requestHash);
    if (record.item_id !== null || record.request_hash !== requestHash) throw keyReused();
    if (!record.response) {
      throw new DomainError(
        'IDEMPOTENCY_IN_FLIGHT',
        'A request with this Idempotency-Key is still being processed',
      );
    }
    return record.response;
  }

  /** For each item that was not inserted, the stored item it collided with (by idempotency key first). */
  private async resolveConflicts(
    principal: ServicePrincipal,
    queue: Queue,
    items: Prepared[],
  ): Promise<(ExistingItem | undefined)[]> {
    if (items.length === 0) return [];
    const keys = items.flatMap((i) => (i.idempotencyKey ? [i.idempotencyKey] : []));
    const found = await this.items.findConflicting(
      principal.service,
      queue.id,
      keys,
      items.map((i) => i.externalId),
    );
    return items.map(
      (item) =>
        (item.idempotencyKey ? found.find((f) => f.idempotencyKey === item.idempotencyKey) : undefined) ??
        found.find((f) => f.queueId === queue.id && f.externalId === item.externalId),
    );
  }

  private async openQueueFor(principal: ServicePrincipal, slug: string): Promise<Queue> {
    const queue = await this.queues.findCached(slug);
    if (!queue) throw DomainError.notFound('Queue');
    if (!principal.queueIds.has(queue.id))
      throw DomainError.forbidden(`This API key may not submit to queue "${slug}"`);
    if (queue.paused) throw new DomainError('QUEUE_PAUSED', `Queue "${slug}" is paused`);
    return queue;
  }

  private async prepare(
    principal: ServicePrincipal,
    queue: Queue,
    dto: SubmitItemDto,
    key: string | null,
  ): Promise<Prepared> {
    const hasOutput = dto.output !== undefined && dto.output !== null;
    const problems = hasOutput ? this.queues.outputProblems(queue, dto.output) : [];
    if (problems.length > 0)
      throw DomainError.validation(problems, 'output does not match the queue outputSchema');
    if (dto.callbackUrl) {
      const verdict = await checkCallbackUrl(dto.callbackUrl, this.config.WEBHOOK_ALLOW_HOSTS);
      if (!verdict.ok)
        throw DomainError.validation([{ path: 'callbackUrl', message: `callbackUrl ${verdict.reason}` }]);
    }
    const confidence = dto.confidence ?? null;
    const confident =
      hasOutput &&
      queue.autoApproveAbove !== null &&
      confidence !== null &&
      confidence >= queue.autoApproveAbove;
    // A sample of what the model is sure about still goes to people: how often they change it is how
    // far the auto-approval threshold can be trusted. Reviewers are not told which items are samples.
    const qaSample = confident && queue.qaSampleRate > 0 && Math.random() < queue.qaSampleRate;
    const autoApprove = confident && !qaSample;
    const now = Date.now();
    const slaIfPending = queue.slaSeconds ? new Date(now + queue.slaSeconds * 1000).toISOString() : null;
    return {
      id: uuidv7(now),
      queueId: queue.id,
      service: principal.service,
      apiKeyId: principal.keyId,
      externalId: dto.externalId,
      idempotencyKey: key,
      requestHash: requestHashOf(queue.slug, dto),
      modelName: dto.model.name,
      modelVersion: dto.model.version,
      input: dto.input,
      output: dto.output ?? null,
      confidence,
      reason: dto.reason,
      priority: dto.priority ?? 0,
      metadata: dto.metadata ?? {},
      callbackUrl: dto.callbackUrl ?? null,
      assigneeId: dto.assignee ? dto.assignee.toLowerCase() : null,
      autoApprove,
      status: 'pending',
      slaIfPending,
      qaSample,
      autoApproveAbove: queue.autoApproveAbove,
    };
  }
}

function checkIdempotencyKey(key: string | undefined): string | null {
  if (key === undefined) return null;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw DomainError.validation([
      { path: 'Idempotency-Key', message: 'must be 1-255 printable ASCII characters' },
    ]);
  }
  return key;
}

/** Items that wait in their queue's shared line: assigned ones wait in Postgres for their assignee alone. */
function inSharedLine<T extends { assigneeId: string | null }>(items: T[]): T[] {
  return items.filter((item) => !item.assigneeId);
}

function assigneeRefused(queue: Queue): DomainError {
  return DomainError.validation([
    {
      path: 'assignee',
      message: `assignee must be an enabled reviewer of queue "${queue.slug}" (no such user, not a reviewer there, or disabled)`,
    },
  ]);
}

function keyReused(): DomainError {
  return new DomainError(
    'IDEMPOTENCY_CONFLICT',
    'This Idempotency-Key was used with a different request body',
  );
}

function idempotencyConflict(item: Prepared, existing: ExistingItem | undefined): DomainError {
  // Nothing stored under the key or the externalId: the key named a batch, or a request still in flight.
  if (!existing && item.idempotencyKey) return keyReused();
  const by =
    existing?.idempotencyKey && existing.idempotencyKey === item.idempotencyKey
      ? 'Idempotency-Key'
      : 'externalId';
  return new DomainError('IDEMPOTENCY_CONFLICT', `An item with this ${by} exists with a different body`);
}

/** Hash of what the submission means, defaults applied, so `priority: 0` and an absent priority agree. */
function requestHashOf(queueSlug: string, dto: SubmitItemDto): string {
  return sha256(
    canonicalJson({
      queue: queueSlug,
      externalId: dto.externalId,
      model: { name: dto.model.name, version: dto.model.version },
      input: dto.input,
      output: dto.output ?? null,
      confidence: dto.confidence ?? null,
      reason: dto.reason,
      priority: dto.priority ?? 0,
      metadata: dto.metadata ?? {},
      callbackUrl: dto.callbackUrl ?? null,
      // Only when given, so requests without one hash as they always did (null and absent are the same).
      ...(dto.assignee ? { assignee: dto.assignee.toLowerCase() } : {}),
    }),
  );
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function stripInternal({ queueId: _queueId, ...view }: ItemView & { queueId: string }): ItemView {
  return view;
}

/** A new item just stored as pending, as GET /api/v1/items/:id would show it. */
function viewOfNew(item: Prepared, queueSlug: string, createdAt: Date): ItemView {
  const at = createdAt.toISOString();
  return {
    id: item.id,
    queue: queueSlug,
    status: item.status,
    externalId: item.externalId,
    service: item.service,
    model: { name: item.modelName, version: item.modelVersion },
    input: item.input,
    output: item.output,
    confidence: item.confidence,
    reason: item.reason,
    priority: item.priority,
    metadata: item.metadata,
    callbackUrl: item.callbackUrl,
    assigneeId: item.assigneeId,
    slaDeadline: item.slaIfPending,
    slaBreachedAt: null,
    createdAt: at,
    updatedAt: at,
    decision: null,
  };
}

/**
 * An item's `item.received` event as reviewers see it: without the QA-sample mark, and for a gold item as the
 * submission it poses as (the service it borrowed, its creation time, a sequence number among real ones).
 */
function receivedAsShown(event: AuditEventView, createdAt: string): AuditEventView {
  const { qaSample: _qaSample, gold, ...data } = event.data;
  const shownAs = (gold as { shownAs?: { seq?: number; actor: Actor } } | undefined)?.shownAs;
  if (!shownAs) return { ...event, data };
  return { ...event, seq: shownAs.seq ?? event.seq, at: createdAt, actor: shownAs.actor, data };
}
