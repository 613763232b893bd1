import { type AppConfig, auditSigningKey, publicKeyText } from '@arbiter/config';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { type Checkpoint, type SignedCheckpoint, signCheckpoint } from './checkpoint.js';

/** Signs the sealer's checkpoints with AUDIT_SIGNING_KEY, or outside production with a key made at start. */
export class CheckpointSigner {
  readonly publicKey: string;

  constructor(
    private readonly privateKey: KeyObject,
    /** Made at start, not configured: its checkpoints prove only what this one process saw. */
    readonly generated: boolean,
  ) {
    this.publicKey = publicKeyText(privateKey);
  }

  static fromConfig(config: AppConfig): CheckpointSigner {
    const configured = auditSigningKey(config);
    return configured
      ? new CheckpointSigner(configured, false)
      : new CheckpointSigner(generateKeyPairSync('ed25519').privateKey, true);
  }

  sign(checkpoint: Checkpoint): SignedCheckpoint {
    return signCheckpoint(checkpoint, this.privateKey, this.publicKey);
  }
}
