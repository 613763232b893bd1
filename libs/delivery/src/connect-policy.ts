import type { LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { isPrivateAddress } from './callback-url.policy.js';
import type { ResolveHost } from './host-resolver.js';

/** A callback the SSRF policy refused at connect time. */
export class CallbackRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CallbackRefused';
  }
}

/** Whether an admin allow-listed the URL's host, as `host` or `host:port` (WEBHOOK_ALLOW_HOSTS). */
export function isAllowListed(url: URL, allowHosts: readonly string[]): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return allowHosts.includes(host) || allowHosts.includes(url.host.toLowerCase());
}

/**
 * Checks what can be checked before connecting: scheme, credentials, and an IP-literal host (which Node
 * connects to without a lookup). Host names are vetted by `vettedLookup` as they are resolved.
 */
export function assertConnectable(url: URL, allowed: boolean): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CallbackRefused('must be http or https');
  if (url.username || url.password) throw new CallbackRefused('must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowed && isIP(host) && isPrivateAddress(host)) {
    throw new CallbackRefused(`refused: ${host} is a non-public address`);
  }
}

/**
 * A `lookup` for http(s).request that resolves the host once, refuses it if any address is non-public
 * (unless allow-listed), and hands the socket exactly the addresses it vetted: the connection goes to
 * what was checked, so a DNS answer that changes in between (rebinding) cannot redirect it.
 */
export function vettedLookup(resolve: ResolveHost, allowed: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const addresses = found.filter((a) => !family || a.family === family);
        if (addresses.length === 0) {
          callback(lookupError(`no address found for ${hostname}`, 'ENOTFOUND', hostname), '', 0);
          return;
        }
        const bad = allowed ? undefined : addresses.find((a) => isPrivateAddress(a.address));
        if (bad) {
          callback(
            new CallbackRefused(`refused: ${hostname} resolves to a non-public address (${bad.address})`),
            '',
            0,
          );
          return;
        }
        if (options.all) (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

function lookupError(message: string, code: string, hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code, hostname });
}
