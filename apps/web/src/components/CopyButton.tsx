import { useEffect, useState, type RefObject } from 'react';

interface CopyButtonProps {
  text: string;
  /** The field showing the text: selected when the clipboard is out of reach, so Ctrl+C still works. */
  fieldRef: RefObject<HTMLInputElement | null>;
  label: string;
  testId: string;
}

type CopyState = 'idle' | 'copied' | 'manual';

export function CopyButton({ text, fieldRef, label, testId }: CopyButtonProps) {
  const [state, setState] = useState<CopyState>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const id = window.setTimeout(() => setState('idle'), 4000);
    return () => window.clearTimeout(id);
  }, [state]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      fieldRef.current?.focus();
      fieldRef.current?.select();
      setState('manual');
    }
  };

  return (
    <>
      <button
        type="button"
        className="button button-small"
        onClick={() => void copy()}
        aria-label={label}
        data-testid={testId}
        data-state={state}
      >
        {state === 'copied' ? 'Copied' : 'Copy'}
      </button>
      <span className="copy-status" role="status">
        {state === 'manual' && 'Selected: press Ctrl+C to copy.'}
      </span>
    </>
  );
}
