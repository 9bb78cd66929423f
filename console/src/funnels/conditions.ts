// Segment filters (docs/segments.md) as rows a marketer fills in: a field, an operator and a
// value, each row optionally negated, all of them or any of them to hold. A filter the rows
// cannot say (nested all/any, attributes, goals) is edited as JSON instead.
import type { Filter } from "./definition";

export type Mode = "all" | "any";
export type Row = {
  field: string;
  operator: string;
  value: string;
  negate: boolean;
  /** For purchases and spend: the period counted ("P90D"), all time when absent. */
  within?: string;
};

/** The fields whose rows count over a period. */
export const PERIOD_FIELDS = ["purchases", "spend"];

type ValueKind = "number" | "text" | "list" | "moment" | "yesno" | "none";
type FieldSpec = { label: string; operators: { id: string; label: string; value: ValueKind }[] };

const COMPARE = [
  ["gte", "at least"],
  ["gt", "more than"],
  ["lte", "at most"],
  ["lt", "less than"],
  ["eq", "exactly"],
  ["ne", "not"],
] as const;

const compare = (value: ValueKind = "number") => COMPARE.map(([id, label]) => ({ id, label, value }));

const sinceOrBefore = () => [
  { id: "after", label: "since", value: "moment" as const },
  { id: "before", label: "before", value: "moment" as const },
];

export const FIELDS: Record<string, FieldSpec> = {
  balance: { label: "Points balance", operators: compare() },
  spendable: { label: "Spendable points", operators: compare() },
  lifetimeEarned: { label: "Points earned in all", operators: compare() },
  lifetimeSpent: { label: "Points spent in all", operators: compare() },
  purchases: { label: "Number of purchases", operators: compare() },
  spend: { label: "Spend, in cents", operators: compare() },
  rfmRecency: { label: "RFM recency score (1-5, 0 unscored)", operators: compare() },
  rfmFrequency: { label: "RFM frequency score (1-5, 0 unscored)", operators: compare() },
  rfmMonetary: { label: "RFM monetary score (1-5, 0 unscored)", operators: compare() },
  lastPurchase: { label: "Last purchase", operators: sinceOrBefore() },
  registered: { label: "Registered", operators: sinceOrBefore() },
  category: { label: "Category", operators: [{ id: "in", label: "is one of", value: "list" }] },
  badge: {
    label: "Badge",
    operators: [
      { id: "held", label: "holds", value: "text" },
      { id: "notHeld", label: "does not hold", value: "text" },
    ],
  },
  consent: {
    label: "Consent",
    operators: [
      { id: "email", label: "to email is", value: "yesno" },
      { id: "sms", label: "to SMS is", value: "yesno" },
    ],
  },
  birthday: {
    label: "Birthday",
    operators: [
      { id: "today", label: "is today", value: "none" },
      { id: "thisMonth", label: "is this month", value: "none" },
      { id: "inDays", label: "is in exactly (days)", value: "number" },
      { id: "withinDays", label: "is within (days)", value: "number" },
    ],
  },
  locale: { label: "Locale", operators: [{ id: "in", label: "is one of", value: "list" }] },
  shop: { label: "Bought at shop", operators: [{ id: "in", label: "one of", value: "list" }] },
  vouchers: {
    label: "Vouchers",
    operators: [
      { id: "held", label: "holds one", value: "yesno" },
      { id: "redeemed", label: "has redeemed one", value: "yesno" },
    ],
  },
  segment: { label: "Saved segment", operators: [{ id: "is", label: "is in", value: "text" }] },
  inFunnel: { label: "Funnel", operators: [{ id: "is", label: "is inside", value: "text" }] },
};

export function valueKind(row: Pick<Row, "field" | "operator">): ValueKind {
  return FIELDS[row.field]?.operators.find((o) => o.id === row.operator)?.value ?? "text";
}

export function blankRow(field = "balance"): Row {
  const operator = FIELDS[field].operators[0];
  return { field, operator: operator.id, value: operator.value === "yesno" ? "true" : "", negate: false };
}

function number(text: string): number | string {
  const trimmed = text.trim();
  // Not a whole number: sent as typed, so the server names it on its path.
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

function list(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function idOrTitle(text: string): string | number {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : text.trim();
}

/** The condition one row stands for. */
export function rowToCondition(row: Row): Filter {
  const { field, operator, value } = row;
  let condition: Filter;
  switch (field) {
    case "purchases":
    case "spend": {
      const comparison = { [operator]: number(value) };
      const period = row.within?.trim() ? { within: row.within.trim() } : {};
      condition =
        field === "purchases"
          ? { purchases: { count: comparison, ...period } }
          : { spend: { ...comparison, ...period } };
      break;
    }
    case "category":
    case "locale":
    case "shop":
      condition = { [field]: { in: list(value) } };
      break;
    case "badge":
      condition = { badge: { [operator]: idOrTitle(value) } };
      break;
    case "consent":
    case "vouchers":
      condition = { [field]: { [operator]: value === "true" } };
      break;
    case "birthday":
      condition = { birthday: { [operator]: valueKind(row) === "none" ? true : number(value) } };
      break;
    case "segment":
    case "inFunnel":
      condition = { [field]: value.trim() };
      break;
    case "lastPurchase":
    case "registered":
      condition = { [field]: { [operator]: value.trim() } };
      break;
    default:
      condition = { [field]: { [operator]: number(value) } };
  }
  return row.negate ? { not: condition } : condition;
}

/** The filter of the rows: null without rows, the one condition, or all/any of them. */
export function rowsToFilter(mode: Mode, rows: readonly Row[]): Filter | null {
  if (!rows.length) return null;
  const conditions = rows.map(rowToCondition);
  return conditions.length === 1 ? conditions[0] : { [mode]: conditions };
}

function only(object: unknown): [string, unknown] | null {
  if (!object || typeof object !== "object" || Array.isArray(object)) return null;
  const entries = Object.entries(object);
  return entries.length === 1 ? entries[0] : null;
}

function valueText(value: unknown): string | null {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return value;
  return null;
}

/** The row a condition is, or null when rows cannot say it. */
export function conditionToRow(condition: unknown): Row | null {
  const top = only(condition);
  if (!top) return null;
  const [field, body] = top;
  if (field === "not") {
    const inner = conditionToRow(body);
    return inner && !inner.negate ? { ...inner, negate: true } : null;
  }
  const spec = FIELDS[field];
  if (!spec) return null;
  const row = (operator: string, value: string): Row | null =>
    spec.operators.some((o) => o.id === operator) ? { field, operator, value, negate: false } : null;
  if (field === "segment" || field === "inFunnel") {
    return typeof body === "string" ? row("is", body) : null;
  }
  if (field === "purchases" || field === "spend") {
    if (!body || typeof body !== "object" || Array.isArray(body)) return null;
    const { within, count, ...rest } = body as Record<string, unknown>;
    if (within !== undefined && typeof within !== "string") return null;
    const comparison = field === "purchases" ? count : rest;
    if (field === "purchases" && Object.keys(rest).length) return null;
    if (field === "spend" && count !== undefined) return null;
    const op = only(comparison);
    const text = op && valueText(op[1]);
    const found = op && text !== null ? row(op[0], text) : null;
    return found && within !== undefined ? { ...found, within } : found;
  }
  const op = only(body);
  if (!op) return null;
  const [operator, value] = op;
  switch (field) {
    case "category":
    case "locale":
    case "shop":
      return Array.isArray(value) && value.every((v) => typeof v === "string")
        ? row(operator, value.join(", "))
        : null;
    case "consent":
    case "vouchers":
      return typeof value === "boolean" ? row(operator, String(value)) : null;
    case "birthday":
      if (operator === "today" || operator === "thisMonth") return value === true ? row(operator, "") : null;
      return typeof value === "number" ? row(operator, String(value)) : null;
    default: {
      const text = valueText(value);
      return text === null ? null : row(operator, text);
    }
  }
}

/** The rows of a filter (none for no filter), or null when rows cannot say it. */
export function filterToRows(filter: unknown): { mode: Mode; rows: Row[] } | null {
  if (filter === undefined || filter === null) return { mode: "all", rows: [] };
  const top = only(filter);
  if (top && (top[0] === "all" || top[0] === "any") && Array.isArray(top[1])) {
    const rows = top[1].map(conditionToRow);
    return rows.every((r): r is Row => r !== null) ? { mode: top[0], rows } : null;
  }
  const row = conditionToRow(filter);
  return row ? { mode: "all", rows: [row] } : null;
}
