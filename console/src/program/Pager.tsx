// Cursor pages (first/after) walked forwards and back: the cursors seen so far are kept.
import { useState } from "react";

export function useCursorPages() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return {
    after: cursors[cursors.length - 1],
    page: cursors.length,
    next: (endCursor: string | null) => {
      if (endCursor) setCursors([...cursors, endCursor]);
    },
    previous: () => setCursors(cursors.length > 1 ? cursors.slice(0, -1) : cursors),
    first: () => setCursors([null]),
  };
}

export function Pager({
  label,
  page,
  hasNext,
  onNext,
  onPrevious,
}: {
  label: string;
  page: number;
  hasNext: boolean;
  onNext: () => void;
  onPrevious: () => void;
}) {
  if (page === 1 && !hasNext) return null;
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" className="secondary" disabled={page === 1} onClick={onPrevious}>
        Previous page
      </button>
      <span>Page {page}</span>
      <button type="button" className="secondary" disabled={!hasNext} onClick={onNext}>
        Next page
      </button>
    </nav>
  );
}
