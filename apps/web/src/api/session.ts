import type { LoginResponse, Role, User } from './types';

const KEY = 'arbiter.session';

export interface Session {
  accessToken: string;
  user: User;
}

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.accessToken !== 'string' || typeof parsed.user?.email !== 'string') return null;
    return { accessToken: parsed.accessToken, user: parsed.user };
  } catch {
    return null;
  }
}

export function saveSession(login: LoginResponse): Session {
  const session: Session = { accessToken: login.accessToken, user: login.user };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

export function hasRole(user: User, role: Role): boolean {
  return user.roles.includes(role);
}
