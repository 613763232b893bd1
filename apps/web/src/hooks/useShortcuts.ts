import { useEffect, useRef } from 'react';

export type ShortcutAction =
  'claimNext' | 'approve' | 'correct' | 'reject' | 'escalate' | 'release' | 'toggleLegend';

export type ShortcutHandlers = Partial<Record<ShortcutAction, () => void>>;

export const SHORTCUTS: readonly { keys: string[]; action: ShortcutAction; label: string }[] = [
  { keys: ['n'], action: 'claimNext', label: 'Claim next' },
  { keys: ['a'], action: 'approve', label: 'Approve' },
  { keys: ['Ctrl', 'Enter'], action: 'correct', label: 'Submit correction' },
  { keys: ['r'], action: 'reject', label: 'Reject' },
  { keys: ['e'], action: 'escalate', label: 'Escalate' },
  { keys: ['Esc'], action: 'release', label: 'Release' },
  { keys: ['?'], action: 'toggleLegend', label: 'Show / hide shortcuts' },
];

const LETTERS: Record<string, ShortcutAction> = {
  n: 'claimNext',
  a: 'approve',
  r: 'reject',
  e: 'escalate',
  '?': 'toggleLegend',
};

const TEXT_INPUTS = new Set(['text', 'search', 'email', 'password', 'number', 'url', 'tel']);

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (
    target.isContentEditable ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement
  ) {
    return true;
  }
  return target instanceof HTMLInputElement && TEXT_INPUTS.has(target.type);
}

/** Whole-window shortcuts; single keys are ignored while typing, Ctrl/⌘+Enter and Esc are not. */
export function useShortcuts(handlers: ShortcutHandlers): void {
  const current = useRef(handlers);
  useEffect(() => {
    current.current = handlers;
  });

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing) return;
      let action: ShortcutAction | undefined;
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) action = 'correct';
      else if (event.key === 'Escape') action = 'release';
      else if (
        !isTyping(event.target) &&
        !event.ctrlKey &&
        !event.metaKey &&
        !event.altKey &&
        !event.repeat
      ) {
        action = LETTERS[event.key.length === 1 ? event.key.toLowerCase() : ''];
      }
      const handler = action ? current.current[action] : undefined;
      if (!handler) return;
      event.preventDefault();
      handler();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
