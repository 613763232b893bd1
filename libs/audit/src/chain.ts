import { type AuditEventLine, canonicalJson, type ChainLink, type JsonValue } from '@arbiter/contracts';
import { createHash } from 'node:crypto';
import type { ActorType, AuditAction, SubjectType } from './audit-event.js';
import type { Checkpoint, CheckpointChainState } from './checkpoint.js';

export type { ChainLink } from '@arbiter/contracts';

/** The link before the first: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * An audit event exactly as it is hashed and exported. `at` keeps Postgres' microseconds, so the document
 * rebuilt from an export hashes the same as the one sealed from the table.
 */
export type AuditEventDocument = Omit<AuditEventLine, 'chain'>;

/** The columns of `audit_events e` that make an AuditEventDocument (see eventDocument). */
export const EVENT_DOCUMENT_COLUMNS = `e.seq, e.id,
  to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
  e.actor_type, e.actor_id, e.actor_name, e.action, e.subject_type, e.subject_id, e.queue_id, e.data`;

export interface EventDocumentRow {
  seq: string | number;
  id: string;
  at: string;
  actor_type: ActorType;
  actor_id: string | null;
  actor_name: string | null;
  action: AuditAction;
  subject_type: SubjectType;
  subject_id: string;
  queue_id: string | null;
  data: Record<string, JsonValue>;
}

export function eventDocument(row: EventDocumentRow): AuditEventDocument {
  return {
    seq: Number(row.seq),
    id: row.id,
    at: row.at,
    actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name },
    action: row.action,
    subject: { type: row.subject_type, id: row.subject_id },
    queueId: row.queue_id,
    data: row.data,
  };
}

/** sha256(prev_hash || canonical JSON of the event), hex. */
export function linkHash(prevHash: string, document: AuditEventDocument): string {
  return createHash('sha256')
    .update(prevHash + canonicalJson(document))
    .digest('hex');
}

/** One line of the event export: the document, and its place in the chain once sealed. */
export function exportLine(document: AuditEventDocument, link: ChainLink | null): string {
  const line: AuditEventLine = { ...document, chain: link };
  return `${JSON.stringify(line)}\n`;
}

/**
 * The first sequence number missing when the chain ends before a checkpoint: the one after the last link still
 * there, since one seal pass links events in sequence order (the checkpoint's own, if lower: an event sealed
 * late can sit after higher numbers). A lower bound when numbers were skipped (rolled-back inserts).
 */
export function firstMissingSeq(lastSeq: number | undefined, checkpointSeq: number): number {
  return Math.min((lastSeq ?? 0) + 1, checkpointSeq);
}

/**
 * Checks links in chain order, each against the event it seals (null when the event is gone). The first
 * link that does not hold stops the walk; `firstInvalidSeq` names its event. Given a checkpoint whose signature
 * holds, the link at its position must carry its hash, and `finish` finds a chain that stops short of it.
 */
export class ChainChecker {
  checked = 0;
  firstInvalidSeq: number | undefined;
  private prevHash: string;
  private expectedPos: number;
  private lastSeq: number | undefined;
  private checkpointState: CheckpointChainState | undefined;

  /** Starts at the genesis link, or after `anchor` when checking a slice of the chain. */
  constructor(
    anchor: { pos: number; hash: string } = { pos: 0, hash: GENESIS_HASH },
    private readonly checkpoint?: Checkpoint,
  ) {
    this.prevHash = anchor.hash;
    this.expectedPos = anchor.pos + 1;
    if (checkpoint && anchor.pos > checkpoint.pos) this.checkpointState = 'starts_after';
    else if (checkpoint && anchor.pos === checkpoint.pos)
      this.checkpointState = anchor.hash === checkpoint.head ? 'reaches' : 'differs';
  }

  get head(): string {
    return this.prevHash;
  }

  check(link: ChainLink & { seq: number }, document: AuditEventDocument | null): boolean {
    if (this.firstInvalidSeq !== undefined) return false;
    const intact =
      link.pos === this.expectedPos &&
      link.prevHash === this.prevHash &&
      document !== null &&
      document.seq === link.seq &&
      linkHash(this.prevHash, document) === link.hash;
    const signed = link.pos === this.checkpoint?.pos;
    if (!intact || (signed && link.hash !== this.checkpoint!.head)) {
      this.firstInvalidSeq = link.seq;
      this.checkpointState ??= intact ? 'differs' : 'broken_before';
      return false;
    }
    if (signed) this.checkpointState = 'reaches';
    this.checked++;
    this.expectedPos++;
    this.prevHash = link.hash;
    this.lastSeq = link.seq;
    return true;
  }

  /**
   * Ends the walk; says how the chain stands against the checkpoint, if one was given. A chain whose links all
   * hold but stop before the checkpoint's position lost its tail: invalid at the first missing sequence number.
   */
  finish(): CheckpointChainState | undefined {
    if (!this.checkpoint) return undefined;
    if (this.checkpointState === undefined) {
      if (this.firstInvalidSeq !== undefined) this.checkpointState = 'broken_before';
      else {
        this.checkpointState = 'ends_before';
        this.firstInvalidSeq = firstMissingSeq(this.lastSeq, this.checkpoint.seq);
      }
    }
    return this.checkpointState;
  }
}
