import { useMemo } from 'react';
import type { Item } from '../api/types';
import { diffJson, jsonEqual, type PatchOp } from '../lib/json-diff';
import { parseJson, prettyJson, type ParseResult } from '../lib/json';
import type { OutputChecker, SchemaProblem } from '../lib/schema';
import { useItemScoped } from './useItemScoped';

export interface OutputDraft {
  text: string;
  setText: (text: string) => void;
  reset: () => void;
  /** The AI's output (null when the model gave none). */
  original: unknown;
  parse: ParseResult;
  problems: SchemaProblem[];
  /** The edit differs (as JSON, not as text) from the AI's output. */
  changed: boolean;
  valid: boolean;
  patch: PatchOp[];
}

/** The reviewer's edit of the current item's output, checked as it is typed. */
export function useOutputDraft(item: Item | null, checker: OutputChecker): OutputDraft {
  const original = item?.output ?? null;
  const initial = item && item.output != null ? prettyJson(item.output) : '';
  const [text, setText] = useItemScoped(item?.id ?? null, initial);

  const derived = useMemo(() => {
    const parse = parseJson(text);
    if (!parse.ok) return { parse, problems: [], changed: true, patch: [] };
    const problems = checker.kind === 'ready' ? checker.check(parse.value) : [];
    return {
      parse,
      problems,
      changed: !jsonEqual(parse.value, original),
      patch: diffJson(original, parse.value),
    };
  }, [text, checker, original]);

  return {
    text,
    setText,
    reset: () => setText(initial),
    original,
    ...derived,
    valid: derived.parse.ok && derived.problems.length === 0,
  };
}
