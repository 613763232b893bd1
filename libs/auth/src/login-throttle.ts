import { appendAuditEvent } from '@arbiter/audit';
import { AppConfig } from '@arbiter/config';
import { DomainError } from '@arbiter/contracts';
import { Database } from '@arbiter/database';
import { COMMAND_REDIS } from '@arbiter/redis';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';

/** The accounts and addresses a minute's summary names at most (the counts cover all). */
const SUMMARY_NAMES = 50;

/**
 * Refuses further logins for an account or from an address that failed too often within the window, across
 * every API node (the counters live in Redis), before any password is checked. Each failure below the limit
 * is audited on its own, so an account yields at most LOGIN_MAX_FAILURES failed-login events a window; the
 * refused attempts beyond are only counted, and the worker writes one `auth.login_throttled` event a minute
 * for them. With Redis away logins are not throttled (and every failure is audited).
 */
@Injectable()
export class LoginThrottle {
  constructor(
    private readonly config: AppConfig,
    private readonly db: Database,
    @Inject(COMMAND_REDIS) private readonly redis: Redis,
  ) {}

  /** Throws RATE_LIMITED with the seconds until the account or the address may try again. */
  async assertAllowed(email: string, address: string): Promise<void> {
    const account = this.accountKey(email);
    const source = this.addressKey(address);
    let replies: [Error | null, unknown][];
    try {
      replies = (await this.redis.multi().get(account).pttl(account).get(source).pttl(source).exec())!;
    } catch {
      return;
    }
    const [accountFailures, accountTtl, addressFailures, addressTtl] = replies.map(([, v]) => Number(v ?? 0));
    const waits: number[] = [];
    if (accountFailures! >= this.config.LOGIN_MAX_FAILURES) waits.push(accountTtl!);
    if (addressFailures! >= this.config.LOGIN_MAX_FAILURES_PER_ADDRESS) waits.push(addressTtl!);
    if (waits.length === 0) return;
    const minute = this.minuteKey(Math.floor(Date.now() / 60_000));
    await this.redis
      .multi()
      .hincrby(minute, 'attempts', 1)
      .hincrby(minute, `account:${email.toLowerCase().slice(0, 320)}`, 1)
      .hincrby(minute, `address:${address}`, 1)
      .expire(minute, 24 * 3600)
      .exec()
      .catch(() => undefined);
    const seconds = Math.max(1, Math.ceil(Math.max(...waits) / 1000));
    throw new DomainError(
      'RATE_LIMITED',
      `Too many failed sign-ins for this account or from this address; try again in ${seconds} s`,
      undefined,
      seconds,
    );
  }

  async recordFailure(email: string, address: string): Promise<void> {
    const window = this.config.LOGIN_FAILURE_WINDOW_SECONDS;
    const account = this.accountKey(email);
    const source = this.addressKey(address);
    await this.redis
      .multi()
      .incr(account)
      .expire(account, window, 'NX')
      .incr(source)
      .expire(source, window, 'NX')
      .exec()
      .catch(() => undefined);
  }

  /** A successful sign-in forgives the account's earlier failures (not the address's). */
  async recordSuccess(email: string): Promise<void> {
    await this.redis.del(this.accountKey(email)).catch(() => undefined);
  }

  /**
   * Writes one `auth.login_throttled` audit event for each finished minute that refused sign-ins, and forgets
   * its counts. Run by the worker; a minute is taken by one reader (read and deleted in one script).
   */
  async flushThrottled(now = Date.now()): Promise<number> {
    const current = Math.floor(now / 60_000);
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', this.minuteKey('*'), 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    let written = 0;
    for (const key of keys.sort()) {
      const minute = Number(key.slice(key.lastIndexOf(':') + 1));
      if (!(minute < current)) continue;
      const counts = (await this.redis.eval(TAKE_HASH, 1, key)) as string[];
      if (counts.length === 0) continue;
      await this.writeSummary(minute, counts);
      written++;
    }
    return written;
  }

  private async writeSummary(minute: number, flat: string[]): Promise<void> {
    const accounts: { email: string; attempts: number }[] = [];
    const addresses: { address: string; attempts: number }[] = [];
    let attempts = 0;
    for (let i = 0; i < flat.length; i += 2) {
      const [field, value] = [flat[i]!, Number(flat[i + 1])];
      if (field === 'attempts') attempts = value;
      else if (field.startsWith('account:')) accounts.push({ email: field.slice(8), attempts: value });
      else if (field.startsWith('address:')) addresses.push({ address: field.slice(8), attempts: value });
    }
    const top = <T extends { attempts: number }>(list: T[]) =>
      list.sort((a, b) => b.attempts - a.attempts).slice(0, SUMMARY_NAMES);
    const from = new Date(minute * 60_000);
    await this.db.transaction((tx) =>
      appendAuditEvent(tx, {
        actor: { type: 'system', id: null, name: 'auth' },
        action: 'auth.login_throttled',
        subjectType: 'auth',
        subjectId: from.toISOString(),
        data: {
          from: from.toISOString(),
          to: new Date((minute + 1) * 60_000).toISOString(),
          attempts,
          accounts: accounts.length,
          addresses: addresses.length,
          topAccounts: top(accounts),
          topAddresses: top(addresses),
        },
      }),
    );
  }

  private accountKey(email: string): string {
    const digest = createHash('sha256').update(email.toLowerCase()).digest('base64url');
    return `${this.config.REDIS_PREFIX}:login:account:${digest}`;
  }

  private addressKey(address: string): string {
    return `${this.config.REDIS_PREFIX}:login:address:${address}`;
  }

  private minuteKey(minute: number | '*'): string {
    return `${this.config.REDIS_PREFIX}:login:throttled:${minute}`;
  }
}

/** HGETALL and DEL in one step, so two workers never both report a minute. */
const TAKE_HASH = `local v = redis.call('HGETALL', KEYS[1]); redis.call('DEL', KEYS[1]); return v`;
