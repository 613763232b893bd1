import { useCallback, useEffect, useLayoutEffect, useReducer, useRef } from 'react';
import type { ReviewTransport } from '../api/review-transport';
import type { AckError, Claim, ErrorCode, Item, ItemStatus, JsonValue, ReviewVerdict } from '../api/types';
import { refusalTitle } from '../lib/refusal';

/**
 * idle: no claim held · working: a live claim · empty: nothing was waiting ·
 * expired: the lease ran out (the edit stays on screen) · closed: the claim is gone for another reason.
 */
export type Phase = 'idle' | 'working' | 'empty' | 'expired' | 'closed';
export type PendingAction = 'claim' | ReviewVerdict | 'escalate' | 'release';

export interface Notice {
  tone: 'error' | 'success' | 'info' | 'warn';
  title: string;
  message?: string;
  code?: string;
}

export interface ReviewState {
  phase: Phase;
  item: Item | null;
  claim: Claim | null;
  pending: PendingAction | null;
  notice: Notice | null;
}

type Action =
  | { type: 'start'; pending: PendingAction }
  | { type: 'claimed'; item: Item; claim: Claim }
  | { type: 'empty' }
  | { type: 'failed'; notice: Notice }
  | { type: 'renewed'; claim: Claim }
  | { type: 'noticed'; token: string; notice: Notice }
  | { type: 'lost'; token: string; phase: 'expired' | 'closed'; notice: Notice | null }
  | { type: 'finished'; token: string; notice: Notice };

const keepSuccess = (notice: Notice | null) => (notice?.tone === 'success' ? notice : null);

function reducer(state: ReviewState, action: Action): ReviewState {
  switch (action.type) {
    case 'start':
      return { ...state, pending: action.pending, notice: keepSuccess(state.notice) };
    case 'claimed':
      return {
        phase: 'working',
        item: action.item,
        claim: action.claim,
        pending: null,
        notice: keepSuccess(state.notice),
      };
    case 'empty':
      return { phase: 'empty', item: null, claim: null, pending: null, notice: keepSuccess(state.notice) };
    case 'failed':
      return { ...state, pending: null, notice: action.notice };
    case 'renewed':
      return state.phase === 'working' && state.claim?.token === action.claim.token
        ? { ...state, claim: action.claim }
        : state;
    case 'noticed':
      return state.phase === 'working' && state.claim?.token === action.token
        ? { ...state, notice: action.notice }
        : state;
    case 'lost':
      return state.phase === 'working' && state.claim?.token === action.token
        ? { ...state, phase: action.phase, pending: null, notice: action.notice }
        : state;
    case 'finished':
      return state.claim?.token === action.token
        ? { phase: 'idle', item: null, claim: null, pending: null, notice: action.notice }
        : state;
  }
}

const INITIAL: ReviewState = { phase: 'idle', item: null, claim: null, pending: null, notice: null };

/** Codes meaning the claim can no longer be used by this reviewer. */
const CLAIM_GONE: ReadonlySet<string> = new Set<ErrorCode>([
  'CLAIM_EXPIRED',
  'NOT_CLAIM_HOLDER',
  'ALREADY_DECIDED',
]);

const DONE: Record<ReviewVerdict | 'escalate', string> = {
  approve: 'Approved',
  correct: 'Correction submitted',
  reject: 'Rejected',
  escalate: 'Escalated',
};

/** What to tell a reviewer whose decision did not end the item. */
const AFTER_DECISION: Partial<Record<ItemStatus, string>> = {
  pending: 'Recorded. This item needs one more independent review before it is final.',
  escalated: 'Recorded. The two reviews disagree, so an admin adjudicates this item.',
};

const refusal = (error: AckError): Notice => ({
  tone: 'error',
  title: refusalTitle(error),
  message: [error.message, ...(error.details ?? []).map((d) => `${d.path}: ${d.message}`)].join(' · '),
  code: error.code,
});

/** Heartbeat every third of the lease, at least once a minute. */
export function heartbeatInterval(leaseSeconds: number): number {
  return Math.min(60_000, Math.max(5_000, (leaseSeconds * 1000) / 3));
}

export interface ReviewSessionOptions {
  transport: ReviewTransport;
  queue: string;
  leaseSeconds: number;
  connected: boolean;
  epoch: number;
}

export interface ReviewSession {
  state: ReviewState;
  claimNext: () => void;
  decide: (verdict: ReviewVerdict, options: { output?: JsonValue; comment?: string }) => void;
  escalate: (comment: string) => void;
  release: () => void;
}

/** The claim → decide loop of one queue over a ReviewTransport. */
export function useReviewSession({
  transport,
  queue,
  leaseSeconds,
  connected,
  epoch,
}: ReviewSessionOptions): ReviewSession {
  const [state, dispatch] = useReducer(reducer, INITIAL);
  const stateRef = useRef(state);
  useLayoutEffect(() => {
    stateRef.current = state;
  }, [state]);
  // Set synchronously, so a second key press cannot start a second action before React re-renders.
  const busy = useRef(false);
  const disposed = useRef(false);
  const connectedRef = useRef(connected);
  useEffect(() => {
    connectedRef.current = connected;
  }, [connected]);

  /** The claim is no longer usable; a refused action also says why (the state banner covers the rest). */
  const lose = useCallback((token: string, error: AckError, refusedAction = false) => {
    dispatch({
      type: 'lost',
      token,
      phase: error.code === 'CLAIM_EXPIRED' ? 'expired' : 'closed',
      notice: refusedAction ? refusal(error) : null,
    });
  }, []);

  const fetchNext = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    dispatch({ type: 'start', pending: 'claim' });
    const result = await transport.claimNext(queue);
    busy.current = false;
    if (disposed.current) {
      if (result.ok && result.value.item !== null) void transport.release(result.value.claim.token);
      return;
    }
    if (!result.ok) dispatch({ type: 'failed', notice: refusal(result.error) });
    else if (result.value.item === null) dispatch({ type: 'empty' });
    else dispatch({ type: 'claimed', item: result.value.item, claim: result.value.claim });
  }, [transport, queue]);

  /** Runs an action on the live claim; on success the claim is finished and the next item claimed. */
  const act = useCallback(
    async (
      pending: PendingAction,
      /** Succeeds with the notice to show instead of `done`, if the answer calls for another. */
      run: (token: string) => Promise<{ ok: true; notice?: Notice } | { ok: false; error: AckError }>,
      done: Notice,
      next: boolean,
    ) => {
      const { phase, claim } = stateRef.current;
      if (busy.current || phase !== 'working' || !claim) return;
      busy.current = true;
      dispatch({ type: 'start', pending });
      const result = await run(claim.token);
      busy.current = false;
      if (disposed.current) return;
      if (result.ok) {
        dispatch({ type: 'finished', token: claim.token, notice: result.notice ?? done });
        if (next) void fetchNext();
      } else if (pending === 'release' && result.error.code === 'CLAIM_EXPIRED') {
        dispatch({ type: 'finished', token: claim.token, notice: done });
      } else if (CLAIM_GONE.has(result.error.code)) {
        lose(claim.token, result.error, true);
      } else {
        dispatch({ type: 'failed', notice: refusal(result.error) });
      }
    },
    [fetchNext, lose],
  );

  const decide = useCallback(
    (verdict: ReviewVerdict, options: { output?: JsonValue; comment?: string }) => {
      const comment = options.comment?.trim();
      void act(
        verdict,
        async (token) => {
          const result = await transport.decide({
            token,
            verdict,
            ...(verdict === 'correct' ? { output: options.output } : {}),
            ...(comment ? { comment } : {}),
          });
          if (!result.ok) return result;
          const { itemStatus, movedTo } = result.value;
          const afterwards = movedTo
            ? `Recorded. The two reviews disagree, so queue ${movedTo} adjudicates this item.`
            : AFTER_DECISION[itemStatus];
          if (!afterwards) return { ok: true };
          return { ok: true, notice: { tone: 'success', title: DONE[verdict], message: afterwards } };
        },
        { tone: 'success', title: DONE[verdict] },
        true,
      );
    },
    [act, transport],
  );

  const escalate = useCallback(
    (comment: string) => {
      void act(
        'escalate',
        (token) => transport.escalate(token, comment.trim()),
        { tone: 'success', title: DONE.escalate },
        true,
      );
    },
    [act, transport],
  );

  const release = useCallback(() => {
    void act(
      'release',
      (token) => transport.release(token),
      { tone: 'info', title: 'Released', message: 'The item is back in the queue.' },
      false,
    );
  }, [act, transport]);

  const claimNext = useCallback(() => {
    if (stateRef.current.phase !== 'working') void fetchNext();
  }, [fetchNext]);

  const heartbeat = useCallback(async () => {
    const { phase, claim } = stateRef.current;
    if (busy.current || phase !== 'working' || !claim) return;
    const result = await transport.heartbeat(claim.token);
    if (disposed.current) return;
    if (result.ok) dispatch({ type: 'renewed', claim: result.value.claim });
    else if (CLAIM_GONE.has(result.error.code)) lose(claim.token, result.error);
    // Otherwise (offline, timeout) the next beat or the reconnect tries again.
  }, [transport, lose]);

  // First claim once connected.
  const started = useRef(false);
  useEffect(() => {
    if (connected && !started.current) {
      started.current = true;
      void fetchNext();
    }
  }, [connected, fetchNext]);

  // Keep the lease alive while the page is open.
  const liveToken = state.phase === 'working' ? (state.claim?.token ?? null) : null;
  useEffect(() => {
    if (!liveToken || !connected) return;
    const id = window.setInterval(() => void heartbeat(), heartbeatInterval(leaseSeconds));
    return () => window.clearInterval(id);
  }, [liveToken, connected, leaseSeconds, heartbeat]);

  // After a reconnect, ask the server whether the claim is still live.
  const seenEpoch = useRef(epoch);
  useEffect(() => {
    if (epoch === seenEpoch.current) return;
    const reconnected = seenEpoch.current > 0;
    seenEpoch.current = epoch;
    if (reconnected) void heartbeat();
  }, [epoch, heartbeat]);

  // When the countdown reaches zero: confirm with the server, or, offline, consider the claim expired.
  const expiresAt = liveToken ? state.claim?.expiresAt : undefined;
  useEffect(() => {
    if (!liveToken || !expiresAt) return;
    const id = window.setTimeout(
      () => {
        if (connectedRef.current) void heartbeat();
        else {
          lose(liveToken, {
            code: 'CLAIM_EXPIRED',
            message: 'The lease ran out while the connection was lost.',
          });
        }
      },
      Math.max(0, Date.parse(expiresAt) - Date.now()) + 1000,
    );
    return () => window.clearTimeout(id);
  }, [liveToken, expiresAt, heartbeat, lose]);

  useEffect(
    () =>
      transport.onClaimExpired((event) => {
        lose(event.token, { code: 'CLAIM_EXPIRED', message: 'The lease on this item ran out.' });
      }),
    [transport, lose],
  );

  // The SLA deadline passed: keep working on it quickly, or learn that the queue's policy took it.
  useEffect(
    () =>
      transport.onSlaBreached((event) => {
        if (event.claimEnded) {
          const outcome =
            event.policy === 'fallback'
              ? 'the fallback output is now its final output'
              : 'it was escalated for someone else to handle';
          dispatch({
            type: 'lost',
            token: event.token,
            phase: 'closed',
            notice: {
              tone: 'info',
              title: 'SLA deadline passed',
              message: `The queue’s policy took the item: ${outcome}.`,
            },
          });
        } else {
          dispatch({
            type: 'noticed',
            token: event.token,
            notice: {
              tone: 'warn',
              title: 'SLA deadline passed',
              message: 'This item is past its deadline. It stays yours: decide it as soon as you can.',
            },
          });
        }
      }),
    [transport],
  );

  // Leaving the workspace or the page gives the item back at once instead of when the lease runs out.
  useEffect(() => {
    disposed.current = false;
    const giveBack = () => {
      const { phase, claim } = stateRef.current;
      if (phase === 'working' && claim) void transport.release(claim.token);
    };
    window.addEventListener('pagehide', giveBack);
    return () => {
      window.removeEventListener('pagehide', giveBack);
      disposed.current = true;
      giveBack();
    };
  }, [transport]);

  return { state, claimNext, decide, escalate, release };
}
