// The movements table's filter: what the person typed, checked, and sent both as the
// LedgerMovements query's variables and as the CSV export's query parameters (the same filter).
import type { LedgerEntryKind, LedgerMovementFilter } from "../generated/graphql";
import { periodInstants, type Period } from "./period";

export type MovementForm = {
  customerId: string;
  minPoints: string;
  maxPoints: string;
  reason: string;
  kind: LedgerEntryKind | "";
};

export const EMPTY_FORM: MovementForm = { customerId: "", minPoints: "", maxPoints: "", reason: "", kind: "" };

export const KIND_LABELS: Record<LedgerEntryKind, string> = {
  PURCHASE: "Purchase",
  REFUND: "Refund",
  MANUAL: "Manual adjustment",
  REVERSAL: "Reversal",
  REDEMPTION: "Redemption",
  REDEMPTION_REFUND: "Redemption refunded",
  ACTION: "Action",
  OPENING: "Opening balance",
  EXPIRY: "Expiry",
  GIFT: "Gift",
};

const WHOLE = /^-?\d+$/;
const MAX_INT = 2_147_483_647;

function whole(text: string): number | null {
  const trimmed = text.trim();
  if (!WHOLE.test(trimmed)) return null;
  const value = Number(trimmed);
  return Math.abs(value) <= MAX_INT ? value : null;
}

export type FormProblems = Partial<Record<"minPoints" | "maxPoints" | "reason", string>>;

export function formProblems(form: MovementForm): FormProblems {
  const problems: FormProblems = {};
  const min = form.minPoints.trim() ? whole(form.minPoints) : undefined;
  const max = form.maxPoints.trim() ? whole(form.maxPoints) : undefined;
  if (min === null) problems.minPoints = "A whole number of points, e.g. -50 or 100.";
  if (max === null) problems.maxPoints = "A whole number of points, e.g. -50 or 100.";
  if (typeof min === "number" && typeof max === "number" && min > max) {
    problems.maxPoints = "The most cannot be less than the least.";
  }
  if (form.reason.length > 200) problems.reason = "At most 200 characters.";
  return problems;
}

/** The filter of a checked form over `period` (signed, inclusive point bounds). */
export function movementFilter(form: MovementForm, period: Pick<Period, "from" | "to">): LedgerMovementFilter {
  const filter: LedgerMovementFilter = { ...periodInstants(period) };
  if (form.customerId) filter.customerId = form.customerId;
  const min = whole(form.minPoints);
  const max = whole(form.maxPoints);
  if (min !== null) filter.minPoints = min;
  if (max !== null) filter.maxPoints = max;
  if (form.reason.trim()) filter.reason = form.reason.trim();
  if (form.kind) filter.kinds = [form.kind];
  return filter;
}

/** The CSV export's address for the same filter (kinds comma-separated, times in ISO 8601). */
export function exportUrl(filter: LedgerMovementFilter): string {
  const params = new URLSearchParams();
  for (const name of ["since", "until", "customerId", "minPoints", "maxPoints", "sourceType", "reason"] as const) {
    const value = filter[name];
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  if (filter.kinds?.length) params.set("kinds", filter.kinds.join(","));
  return `/exports/ledger-movements.csv?${params.toString()}`;
}
