// What staff type into the customer pages, checked before anything is sent: an adjustment's
// points and note, and the ledger's filters.
import type { LedgerEntryKind, LedgerFilter } from "../generated/graphql";

const INT_MAX = 2_147_483_647;

/** A whole number of points as typed ("+50", "-20", " 7 "); null when it is not one. */
export function parsePoints(text: string): number | null {
  const cleaned = text.trim().replace(/^\+/, "");
  if (!/^-?\d+$/.test(cleaned)) return null;
  const value = Number(cleaned);
  return Math.abs(value) <= INT_MAX ? value : null;
}

export type AdjustmentErrors = { points?: string; note?: string };

/** What is wrong with an adjustment as typed (nothing: it may be previewed and saved). */
export function adjustmentErrors(points: string, note: string): AdjustmentErrors {
  const errors: AdjustmentErrors = {};
  const value = parsePoints(points);
  if (!points.trim()) errors.points = "Enter the points to add (or, negative, to take away).";
  else if (value === null) errors.points = "A whole number of points, e.g. 50 or -20.";
  else if (value === 0) errors.points = "An adjustment of 0 points changes nothing.";
  if (!note.trim()) errors.note = "Say why: the note is kept in the ledger.";
  return errors;
}

export type LedgerFilterForm = {
  since: string; // yyyy-mm-dd, from the date input
  until: string;
  kind: LedgerEntryKind | "";
  minPoints: string;
  maxPoints: string;
};

export const NO_LEDGER_FILTER: LedgerFilterForm = {
  since: "",
  until: "",
  kind: "",
  minPoints: "",
  maxPoints: "",
};

export type LedgerFilterResult =
  | { filter: LedgerFilter | null; errors: null }
  | { filter: null; errors: Partial<Record<keyof LedgerFilterForm, string>> };

/** A day typed in a date input, at the start (or the end) of that day in the browser's zone. */
function dayBound(day: string, end: boolean): string {
  const [y, m, d] = day.split("-").map(Number);
  const at = end ? new Date(y, m - 1, d, 23, 59, 59, 999) : new Date(y, m - 1, d);
  return at.toISOString();
}

/** The ledger filter the form describes (both dates inclusive, whole days); null: none. */
export function ledgerFilter(form: LedgerFilterForm): LedgerFilterResult {
  const errors: Partial<Record<keyof LedgerFilterForm, string>> = {};
  const min = form.minPoints.trim() ? parsePoints(form.minPoints) : undefined;
  const max = form.maxPoints.trim() ? parsePoints(form.maxPoints) : undefined;
  if (min === null) errors.minPoints = "A whole number of points.";
  if (max === null) errors.maxPoints = "A whole number of points.";
  if (typeof min === "number" && typeof max === "number" && min > max) {
    errors.maxPoints = "At least the minimum.";
  }
  if (form.since && form.until && form.since > form.until) {
    errors.until = "On or after the first day.";
  }
  if (Object.keys(errors).length) return { filter: null, errors };
  const filter: LedgerFilter = {};
  if (form.since) filter.since = dayBound(form.since, false);
  if (form.until) filter.until = dayBound(form.until, true);
  if (form.kind) filter.kinds = [form.kind];
  if (typeof min === "number") filter.minPoints = min;
  if (typeof max === "number") filter.maxPoints = max;
  return { filter: Object.keys(filter).length ? filter : null, errors: null };
}
