import type { Role, User } from '../api/types';

/**
 * The parts of the UI, each for some roles: reviewing at `/`, auditing at `/audit`, model monitoring at
 * `/monitoring`, administration at `/admin`.
 */
export type Area = 'review' | 'audit' | 'monitoring' | 'admin';

export const AREAS: readonly { area: Area; label: string; path: string; roles: readonly Role[] }[] = [
  { area: 'review', label: 'Review', path: '/', roles: ['reviewer'] },
  { area: 'audit', label: 'Audit', path: '/audit', roles: ['auditor', 'admin'] },
  { area: 'monitoring', label: 'Monitoring', path: '/monitoring', roles: ['auditor', 'admin'] },
  { area: 'admin', label: 'Admin', path: '/admin', roles: ['admin'] },
];

const under = (pathname: string, prefix: string) => pathname === prefix || pathname.startsWith(`${prefix}/`);

export function areaOf(pathname: string): Area {
  if (under(pathname, '/audit')) return 'audit';
  if (under(pathname, '/monitoring')) return 'monitoring';
  if (under(pathname, '/admin')) return 'admin';
  return 'review';
}

export function canEnter(user: User, area: Area): boolean {
  const roles = AREAS.find((a) => a.area === area)?.roles ?? [];
  return user.roles.some((role) => roles.includes(role));
}

/** Where a user lands after signing in: admin pages for admins, audit pages for auditors, else the queues. */
export function homePath(user: User): string {
  if (user.roles.includes('admin')) return '/admin';
  if (user.roles.includes('auditor')) return '/audit';
  return '/';
}

/** The timeline page of an item; `backSearch` is the decision history's query, to return to the same filter. */
export function itemTimelinePath(itemId: string, backSearch = ''): string {
  const back = backSearch.replace(/^\?/, '');
  const query = back ? `?${new URLSearchParams({ back }).toString()}` : '';
  return `/audit/items/${encodeURIComponent(itemId)}${query}`;
}
