import {
  canonicalJson,
  type Checkpoint,
  type CheckpointChainState,
  type CheckpointReport,
  type CheckpointWebhookBody,
  type SignedCheckpoint,
} from '@arbiter/contracts';

export type { Checkpoint, CheckpointChainState, CheckpointReport, CheckpointWebhookBody, SignedCheckpoint };
import { type KeyObject, sign, verify } from 'node:crypto';

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

export function checkpointWebhookBody(checkpoint: SignedCheckpoint): CheckpointWebhookBody {
  return { type: 'audit.checkpoint', timestamp: checkpoint.at, data: checkpoint };
}

export function checkpointReport(
  checkpoint: SignedCheckpoint,
  signatureValid: boolean,
  chain: CheckpointChainState,
): CheckpointReport {
  return { ...checkpoint, signatureValid, chain, holds: signatureValid && chain === 'reaches' };
}
