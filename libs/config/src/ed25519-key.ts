import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/**
 * An Ed25519 key from its text: PEM (PKCS#8 for a private key, SPKI for a public one) or the DER of the same in
 * base64, which fits in one environment variable. Throws without quoting the text, which may be a secret.
 */
export function readEd25519Key(text: string, kind: 'private' | 'public'): KeyObject {
  const trimmed = text.trim();
  const pem = trimmed.includes('-----BEGIN');
  // createPublicKey would take a private key's PEM too: a public setting must never hold one.
  if (kind === 'public' && pem && !trimmed.includes('-----BEGIN PUBLIC KEY-----'))
    throw new Error('not an Ed25519 public key (SPKI PEM, or its DER in base64)');
  let key: KeyObject;
  try {
    const der = pem ? undefined : Buffer.from(trimmed, 'base64');
    key =
      kind === 'private'
        ? createPrivateKey(pem ? trimmed : { key: der!, format: 'der', type: 'pkcs8' })
        : createPublicKey(pem ? trimmed : { key: der!, format: 'der', type: 'spki' });
  } catch {
    throw new Error(
      `not an Ed25519 ${kind} key (${kind === 'private' ? 'PKCS#8' : 'SPKI'} PEM, or its DER in base64)`,
    );
  }
  if (key.asymmetricKeyType !== 'ed25519' || key.type !== kind)
    throw new Error(`not an Ed25519 ${kind} key (it is ${key.asymmetricKeyType ?? 'another kind'})`);
  return key;
}

/** A public key as Arbiter prints and stores it: the base64 of its SPKI DER. */
export function publicKeyText(key: KeyObject): string {
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  return publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
}
