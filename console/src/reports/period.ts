// The period the reports cover: whole local days from `from` to `to` (both included), read as
// half-open instants [since, until) for the API, and the buckets of the flow chart.
import type { ReportGranularity } from "../generated/graphql";

export type Period = { from: string; to: string; granularity: ReportGranularity };

export const GRANULARITIES: { value: ReportGranularity; label: string }[] = [
  { value: "DAY", label: "Day" },
  { value: "WEEK", label: "Week" },
  { value: "MONTH", label: "Month" },
];

// The longest period the server charts per bucket size (docs/reports.md).
const MAX_DAYS: Record<ReportGranularity, number> = { DAY: 1000, WEEK: 7000, MONTH: 36600 };
const DAY_MS = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A local calendar day as YYYY-MM-DD. */
export function isoDay(date: Date): string {
  const month = String(date.getMonth() + 1).padStart(2, "0");
  const day = String(date.getDate()).padStart(2, "0");
  return `${date.getFullYear()}-${month}-${day}`;
}

function localMidnight(day: string): Date {
  const [year, month, date] = day.split("-").map(Number);
  return new Date(year, month - 1, date);
}

function addDays(day: string, days: number): string {
  const moved = localMidnight(day);
  moved.setDate(moved.getDate() + days);
  return isoDay(moved);
}

/** The last `days` days up to `today`, included. */
export function lastDays(days: number, today: Date = new Date()): Pick<Period, "from" | "to"> {
  const to = isoDay(today);
  return { from: addDays(to, -(days - 1)), to };
}

/** The last `months` calendar months, this one included. */
export function lastMonths(months: number, today: Date = new Date()): Pick<Period, "from" | "to"> {
  const start = new Date(today.getFullYear(), today.getMonth() - (months - 1), 1);
  return { from: isoDay(start), to: isoDay(today) };
}

export function defaultPeriod(today: Date = new Date()): Period {
  return { ...lastDays(30, today), granularity: "DAY" };
}

/** The period as the API reads it: local midnight of `from` to local midnight after `to`. */
export function periodInstants(period: Pick<Period, "from" | "to">): { since: string; until: string } {
  return {
    since: localMidnight(period.from).toISOString(),
    until: localMidnight(addDays(period.to, 1)).toISOString(),
  };
}

/** What is wrong with the period, by field (empty when it can be sent). */
export function periodProblems(period: Period): Partial<Record<"from" | "to", string>> {
  const problems: Partial<Record<"from" | "to", string>> = {};
  if (!ISO_DATE.test(period.from)) problems.from = "Choose the first day.";
  if (!ISO_DATE.test(period.to)) problems.to = "Choose the last day.";
  if (problems.from || problems.to) return problems;
  if (period.to < period.from) {
    problems.to = "The last day cannot come before the first.";
    return problems;
  }
  const days = Math.round((localMidnight(period.to).getTime() - localMidnight(period.from).getTime()) / DAY_MS) + 1;
  const most = MAX_DAYS[period.granularity];
  if (days > most) {
    const by = period.granularity === "DAY" ? "By day" : period.granularity === "WEEK" ? "By week" : "By month";
    problems.to = `${by}, a period covers at most ${new Intl.NumberFormat().format(most)} days: choose a larger step or a shorter period.`;
  }
  return problems;
}

/** The period from the address bar (?from=&to=&by=), or the default for what is missing. */
export function periodFromSearch(params: URLSearchParams, today: Date = new Date()): Period {
  const fallback = defaultPeriod(today);
  const by = params.get("by");
  const granularity = GRANULARITIES.some((g) => g.value === by) ? (by as ReportGranularity) : fallback.granularity;
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  const period = { from: ISO_DATE.test(from) ? from : fallback.from, to: ISO_DATE.test(to) ? to : fallback.to, granularity };
  return Object.keys(periodProblems(period)).length ? fallback : period;
}

/** A bucket's label on the chart's axis and in its table, in the browser's time zone. */
export function bucketLabel(startsAt: string, granularity: ReportGranularity): string {
  const start = new Date(startsAt);
  if (granularity === "MONTH") {
    return new Intl.DateTimeFormat(undefined, { month: "short", year: "numeric" }).format(start);
  }
  const day = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" }).format(start);
  return granularity === "WEEK" ? `Week of ${day}` : day;
}

/** The browser's IANA time zone, so buckets start at the reader's midnight. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** A day in words ("12 May 2026") for headings and captions. */
export function dayInWords(day: string): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium" }).format(localMidnight(day));
}
