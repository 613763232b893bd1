import { assertJsonValue, DomainError, limits } from '@arbiter/contracts';

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/**
 * Checks nesting depth, string length and array length on the raw text in one pass, before JSON.parse
 * builds anything, so a hostile body costs a linear scan and nothing more.
 */
export function assertJsonShape(text: string): void {
  const arrayCounts: number[] = [];
  const kinds: number[] = [];
  let inString = false;
  let stringStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) {
        inString = false;
        if (i - stringStart > limits.jsonStringLength) {
          throw DomainError.validation([
            { path: '', message: `a string is longer than ${limits.jsonStringLength} characters` },
          ]);
        }
      }
      continue;
    }
    if (c === QUOTE) {
      inString = true;
      stringStart = i + 1;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      kinds.push(c);
      arrayCounts.push(0);
      if (kinds.length > limits.jsonDepth) {
        throw DomainError.validation([
          { path: '', message: `JSON is nested deeper than ${limits.jsonDepth} levels` },
        ]);
      }
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      kinds.pop();
      arrayCounts.pop();
    } else if (c === COMMA && kinds[kinds.length - 1] === OPEN_ARRAY) {
      const n = ++arrayCounts[arrayCounts.length - 1]!;
      if (n >= limits.jsonArrayLength) {
        throw DomainError.validation([
          { path: '', message: `an array has more than ${limits.jsonArrayLength} elements` },
        ]);
      }
    }
  }
}

const SUSPICIOUS = /__proto__|constructor|\\u/;

export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw DomainError.validation([{ path: '', message: 'Request body is empty' }]);
  assertJsonShape(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw DomainError.validation([
      { path: '', message: `Request body is not valid JSON: ${(error as Error).message}` },
    ]);
  }
  // Prototype keys are rare in honest input: only text that mentions one (or escapes) is walked for them.
  if (SUSPICIOUS.test(text)) assertJsonValue(value);
  return value;
}
