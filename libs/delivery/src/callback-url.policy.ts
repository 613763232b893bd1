import { BlockList, isIP } from 'node:net';
import { withTimeout } from '@arbiter/runtime';
import { resolveCallbackHost } from './host-resolver.js';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** The IPv4 address carried inside an IPv6 one (mapped, compatible, NAT64 or 6to4), if any. */
function embeddedIPv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1]!;
  const groups = expandIPv6(lower);
  if (!groups) return null;
  const toV4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeroPrefix = groups.slice(0, 5).every((g) => g === 0);
  if (zeroPrefix && (groups[5] === 0xffff || groups[5] === 0)) return toV4(groups[6]!, groups[7]!);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) {
    return toV4(groups[6]!, groups[7]!);
  }
  if (groups[0] === 0x2002) return toV4(groups[1]!, groups[2]!);
  return null;
}

function expandIPv6(address: string): number[] | null {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const parse = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0) || [...left, ...right].some(Number.isNaN))
    return null;
  return [...left, ...new Array<number>(missing).fill(0), ...right];
}

/** True for loopback, private, link-local, unique-local, metadata and other non-public addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const v4 = embeddedIPv4(address);
  return (v4 !== null && blocked.check(v4, 'ipv4')) || blocked.check(address, 'ipv6');
}

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * Decides whether Arbiter may POST to `raw`. Hosts on `allowHosts` (`host` or `host:port`) pass; others must
 * be http(s) and resolve only to public addresses. A name that does not resolve now is let through: the
 * delivery checks the address it actually connects to.
 */
export async function checkCallbackUrl(raw: string, allowHosts: readonly string[]): Promise<UrlVerdict> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not a valid URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { ok: false, reason: 'must be http or https' };
  if (url.username || url.password) return { ok: false, reason: 'must not carry credentials' };
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (allowHosts.includes(host) || allowHosts.includes(url.host.toLowerCase())) return { ok: true, url };
  if (isIP(host)) {
    return isPrivateAddress(host)
      ? { ok: false, reason: `targets a non-public address (${host})` }
      : { ok: true, url };
  }
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal')) {
    return { ok: false, reason: `targets a non-public host (${host})` };
  }
  let addresses: { address: string }[];
  try {
    addresses = await withTimeout(resolveCallbackHost(host), 2000, 'DNS');
  } catch {
    return { ok: true, url };
  }
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  return bad ? { ok: false, reason: `resolves to a non-public address (${bad.address})` } : { ok: true, url };
}
