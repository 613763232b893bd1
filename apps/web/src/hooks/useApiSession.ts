import { createContext, useContext } from 'react';
import { ApiError } from '../api/http';
import type { User } from '../api/types';
import type { Navigate } from './useLocation';

/** What the auditor and admin pages need: the token, who is signed in, and how to react to a refused session. */
export interface ApiSession {
  token: string;
  user: User;
  navigate: Navigate;
  /** The server no longer accepts the token (401): sign out with a notice. */
  expired: () => void;
}

export const ApiSessionContext = createContext<ApiSession | null>(null);

export function useApiSession(): ApiSession {
  const session = useContext(ApiSessionContext);
  if (!session) throw new Error('useApiSession outside ApiSessionContext');
  return session;
}

/** Any failure as an ApiError, so the UI can always show a code and a message. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, 'CLIENT_ERROR', error instanceof Error ? error.message : String(error));
}

/** The error to show for a failed call, or null when the session expired (and the user is being signed out). */
export function failure(session: ApiSession, error: unknown): ApiError | null {
  const apiError = toApiError(error);
  if (apiError.status === 401) {
    session.expired();
    return null;
  }
  return apiError;
}
