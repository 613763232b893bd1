import { useCallback, useState } from 'react';

/** State that falls back to `initial` whenever `key` changes (e.g. the edit of one item). */
export function useItemScoped<T>(key: string | null, initial: T): [T, (value: T) => void] {
  const [state, setState] = useState<{ key: string | null; value: T }>({ key, value: initial });
  const value = state.key === key ? state.value : initial;
  const set = useCallback((next: T) => setState({ key, value: next }), [key]);
  return [value, set];
}
