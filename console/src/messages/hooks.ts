// Small hooks the messages pages share: a value that settles before it is used (live
// preview, searches), cursor paging, and keys that make a retried write count once.
import { useCallback, useEffect, useState } from "react";

/** `value`, once it has stayed the same for `delayMs`. */
export function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

export type Pager = {
  /** The cursor of the page shown (null: the first page). */
  after: string | null;
  page: number;
  next: (endCursor: string | null | undefined) => void;
  previous: () => void;
  reset: () => void;
};

/** Forward cursor paging with a way back: the cursors of the pages already seen. */
export function usePager(): Pager {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const next = useCallback((endCursor: string | null | undefined) => {
    if (endCursor) setCursors((seen) => [...seen, endCursor]);
  }, []);
  const previous = useCallback(() => setCursors((seen) => (seen.length > 1 ? seen.slice(0, -1) : seen)), []);
  const reset = useCallback(() => setCursors([null]), []);
  return { after: cursors[cursors.length - 1], page: cursors.length, next, previous, reset };
}

/** A random idempotency key (crypto.getRandomValues works outside secure contexts too). */
export function newKey(prefix = "console"): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
