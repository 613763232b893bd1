import { randomBytes, scrypt, type ScryptOptions, timingSafeEqual } from 'node:crypto';

/** log2 of scrypt's N for new hashes: 2^17 (with r = 8, p = 1) is OWASP's recommendation for scrypt. */
export const DEFAULT_PASSWORD_LOG_N = 17;
const R = 8;
const P = 1;
const KEY_LENGTH = 64;

function derive(password: string, salt: Buffer, options: Required<Pick<ScryptOptions, 'N' | 'r' | 'p'>>) {
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEY_LENGTH,
      // scrypt needs 128·N·r bytes; Node refuses anything above maxmem.
      { ...options, maxmem: 2 * 128 * options.N * options.r },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

/** `scrypt$N$r$p$salt$hash`, parameters stored beside the hash so they can be raised later. */
export async function hashPassword(password: string, logN = DEFAULT_PASSWORD_LOG_N): Promise<string> {
  const salt = randomBytes(16);
  const N = 2 ** logN;
  const key = await derive(password, salt, { N, r: R, p: P });
  return ['scrypt', N, R, P, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Stored parameters this process will run: a corrupt or hostile row must not ask for gigabytes. */
const plausible = (N: number, r: number, p: number) =>
  Number.isInteger(Math.log2(N)) && N >= 1024 && N <= 2 ** 20 && r >= 1 && r <= 32 && p >= 1 && p <= 4;

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  const [N, rr, pp] = [Number(n), Number(r), Number(p)];
  if (scheme !== 'scrypt' || !salt || !hash || !plausible(N, rr, pp)) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), { N, r: rr, p: pp });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** True when a stored hash was made with other parameters than new ones get (so a sign-in should redo it). */
export function needsRehash(stored: string, logN = DEFAULT_PASSWORD_LOG_N): boolean {
  return stored !== `scrypt$${2 ** logN}$${R}$${P}$${stored.split('$').slice(4).join('$')}`;
}

/** A hash to compare against when the account does not exist, so timing does not reveal which emails exist. */
export function dummyPasswordHash(logN = DEFAULT_PASSWORD_LOG_N): string {
  return `scrypt$${2 ** logN}$${R}$${P}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(64).toString('base64')}`;
}
