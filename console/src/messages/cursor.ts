// Inserting a shortcode where the marketer's cursor is: the selection (if any) is replaced,
// and the caret lands right after what was inserted, so typing goes on from there.

export type Insertion = { value: string; caret: number };

/** `snippet` written into `value` in place of the selection `start`..`end` (clamped to the
 * text; a backwards selection is read forwards). */
export function insertAt(value: string, start: number, end: number, snippet: string): Insertion {
  const clamp = (n: number) => Math.min(Math.max(Number.isFinite(n) ? n : value.length, 0), value.length);
  const [from, to] = [clamp(start), clamp(end)].sort((a, b) => a - b);
  return { value: value.slice(0, from) + snippet + value.slice(to), caret: from + snippet.length };
}
