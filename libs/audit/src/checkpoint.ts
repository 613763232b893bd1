import { canonicalJson } from '@arbiter/contracts';
import { type KeyObject, sign, verify } from 'node:crypto';

/**
 * The chain's head at one moment: its position, the sequence number of the event its link seals, its hash,
 * and when the sealer signed it. Whoever holds a signed checkpoint can tell a chain cut short of it, or
 * rewritten up to it, from the chain it was.
 */
export interface Checkpoint {
  pos: number;
  seq: number;
  head: string;
  at: string;
}

/** A checkpoint with its Ed25519 signature and the public key of the signer, both base64. */
export interface SignedCheckpoint extends Checkpoint {
  signature: string;
  publicKey: string;
}

/** What is signed: the RFC 8785 canonical JSON of {pos, seq, head, at}, so any verifier rebuilds the bytes. */
export function checkpointBytes({ pos, seq, head, at }: Checkpoint): Buffer {
  return Buffer.from(canonicalJson({ pos, seq, head, at }));
}

export function signCheckpoint(
  checkpoint: Checkpoint,
  privateKey: KeyObject,
  publicKey: string,
): SignedCheckpoint {
  const signature = sign(null, checkpointBytes(checkpoint), privateKey).toString('base64');
  return { ...checkpoint, signature, publicKey };
}

/** Whether `checkpoint`'s signature is `key`'s over its content; a malformed one simply does not hold. */
export function checkpointSignatureHolds(checkpoint: SignedCheckpoint, key: KeyObject): boolean {
  try {
    return verify(null, checkpointBytes(checkpoint), key, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    return false;
  }
}

/** The body POSTed to the checkpoint sink. */
export interface CheckpointWebhookBody {
  type: 'audit.checkpoint';
  timestamp: string;
  data: SignedCheckpoint;
}

export function checkpointWebhookBody(checkpoint: SignedCheckpoint): CheckpointWebhookBody {
  return { type: 'audit.checkpoint', timestamp: checkpoint.at, data: checkpoint };
}

/**
 * How the chain stands against a checkpoint: it `reaches` the checkpoint's position with its head hash, `ends_before`
 * it (a cut tail), `differs` there (rewritten), is `broken_before` it (a bad link stopped the walk),
 * `starts_after` it (a slice that begins later), or was not compared (`unchecked`: the signature fails).
 */
export type CheckpointChainState =
  'reaches' | 'ends_before' | 'differs' | 'broken_before' | 'starts_after' | 'unchecked';

/** A checkpoint as a verification reports it. */
export interface CheckpointReport extends SignedCheckpoint {
  signatureValid: boolean;
  chain: CheckpointChainState;
  /** The signature holds and the chain reaches the checkpoint with its hash. */
  holds: boolean;
}

export function checkpointReport(
  checkpoint: SignedCheckpoint,
  signatureValid: boolean,
  chain: CheckpointChainState,
): CheckpointReport {
  return { ...checkpoint, signatureValid, chain, holds: signatureValid && chain === 'reaches' };
}
