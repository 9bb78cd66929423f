// The delivery log's period as a person picks it (two calendar days, both included) and as
// the API reads it (since inclusive, until exclusive, instants).

/** Midnight at the start of `day` (YYYY-MM-DD) in the browser's time zone, as an instant. */
function startOf(day: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const [, y, m, d] = match.map(Number);
  return new Date(y, m - 1, d);
}

/** {since, until} for the days `from` to `to`, both included; a day left empty is open. */
export function periodFilter(from: string, to: string): { since: string | null; until: string | null } {
  const start = startOf(from);
  const end = startOf(to);
  if (end) end.setDate(end.getDate() + 1);
  return { since: start ? start.toISOString() : null, until: end ? end.toISOString() : null };
}
