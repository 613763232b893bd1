export const ROLES = ['admin', 'reviewer', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** The signed-in user, as the login answers it. */
export interface User {
  id: string;
  email: string;
  roles: Role[];
}

/** `POST /api/v1/auth/login`. */
export interface LoginRequest {
  email: string;
  password: string;
}

export interface LoginResponse {
  accessToken: string;
  user: User;
}

/** A user as admins see it (`/api/v1/users`). */
export interface UserAccount {
  id: string;
  email: string;
  roles: Role[];
  /** Slugs of the queues the user is a member of. */
  queues: string[];
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface UserList {
  users: UserAccount[];
}

/** `POST /api/v1/users`. */
export interface NewUser {
  email: string;
  password: string;
  roles: Role[];
  queues?: string[];
}

/** `PATCH /api/v1/users/:id`: `queues` replaces the list. */
export interface UserChanges {
  roles?: Role[];
  queues?: string[];
  password?: string;
  disabled?: boolean;
}

export interface ApiKey {
  id: string;
  service: string;
  /** The first characters of the key, to recognise it. */
  prefix: string;
  queues: string[];
  createdAt: string;
  revokedAt: string | null;
}

export interface ApiKeyList {
  apiKeys: ApiKey[];
}

/** `POST /api/v1/api-keys`. */
export interface NewApiKey {
  service: string;
  queues: string[];
}

/** The answer to `POST /api/v1/api-keys`: the only time `key` and `webhookSecret` are shown. */
export interface CreatedApiKey extends ApiKey {
  key: string;
  webhookSecret: string;
}
