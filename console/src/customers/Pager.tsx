// Keyset paging for the customer pages' tables: the cursors of the pages seen so far, so that
// "Newer" goes back and "Older" on; a page is asked for with the cursor it starts after.
import { useCallback, useState } from "react";

export function useCursors() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1];
  const next = useCallback(
    (endCursor: string | null | undefined) => {
      if (endCursor) setCursors((seen) => [...seen, endCursor]);
    },
    [setCursors],
  );
  const previous = useCallback(() => setCursors((seen) => seen.slice(0, -1)), [setCursors]);
  const reset = useCallback(() => setCursors([null]), [setCursors]);
  return { after, page: cursors.length, next, previous, reset };
}

export function Pager({
  label,
  page,
  hasNext,
  onPrevious,
  onNext,
  previousLabel = "Previous page",
  nextLabel = "Next page",
}: {
  label: string;
  page: number;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
  previousLabel?: string;
  nextLabel?: string;
}) {
  if (page === 1 && !hasNext) return null;
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" className="secondary" onClick={onPrevious} disabled={page === 1}>
        {previousLabel}
      </button>
      <span aria-live="polite">Page {page}</span>
      <button type="button" className="secondary" onClick={onNext} disabled={!hasNext}>
        {nextLabel}
      </button>
    </nav>
  );
}
