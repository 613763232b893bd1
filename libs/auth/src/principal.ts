import type { Actor } from '@arbiter/audit';
import type { Role } from '@arbiter/contracts';

export { ROLES, type Role } from '@arbiter/contracts';

export interface UserPrincipal {
  kind: 'user';
  id: string;
  email: string;
  roles: Role[];
  /** Ids of the queues the user is a member of. */
  queueIds: ReadonlySet<string>;
}

export interface ServicePrincipal {
  kind: 'service';
  keyId: string;
  service: string;
  /** Ids of the queues the key may submit to. */
  queueIds: ReadonlySet<string>;
}

export type Principal = UserPrincipal | ServicePrincipal;

export function hasRole(principal: Principal, ...roles: Role[]): boolean {
  return principal.kind === 'user' && roles.some((r) => principal.roles.includes(r));
}

/** Admins and auditors see every queue; reviewers and services only their own. */
export function canSeeQueue(principal: Principal, queueId: string): boolean {
  return hasRole(principal, 'admin', 'auditor') || principal.queueIds.has(queueId);
}

export function actorOf(principal: Principal): Actor {
  return principal.kind === 'user'
    ? { type: 'user', id: principal.id, name: principal.email }
    : { type: 'service', id: principal.keyId, name: principal.service };
}
