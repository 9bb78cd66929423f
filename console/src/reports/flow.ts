// The flow chart's series from the PointsFlow buckets: credits above zero, debits below, so
// each bar's height above and below the line reads as points in and out of the program.
import type { PointsFlowQuery, ReportGranularity } from "../generated/graphql";
import { bucketLabel } from "./period";

export type Bucket = PointsFlowQuery["pointsFlow"][number];

export type Series = { key: "earned" | "other" | "takenBack" | "spent" | "expired"; label: string; values: number[] };

/** A debit drawn below zero (0 stays 0, not -0). */
function debit(points: number): number {
  return points === 0 ? 0 : -points;
}

export function flowSeries(buckets: readonly Bucket[]): Series[] {
  return [
    { key: "earned", label: "Earned", values: buckets.map((b) => b.earned) },
    { key: "other", label: "Other (manual)", values: buckets.map((b) => b.other) },
    { key: "takenBack", label: "Taken back", values: buckets.map((b) => debit(b.takenBack)) },
    { key: "spent", label: "Spent", values: buckets.map((b) => debit(b.spent)) },
    { key: "expired", label: "Expired", values: buckets.map((b) => debit(b.expired)) },
  ];
}

export function flowLabels(buckets: readonly Bucket[], granularity: ReportGranularity): string[] {
  return buckets.map((b) => bucketLabel(b.startsAt, granularity));
}

/** The chart's message in one sentence, for those who do not see it. */
export function flowSummary(buckets: readonly Bucket[], granularity: ReportGranularity): string {
  const format = new Intl.NumberFormat();
  const step = granularity === "DAY" ? "day" : granularity === "WEEK" ? "week" : "month";
  const earned = buckets.reduce((sum, b) => sum + b.earned, 0);
  const out = buckets.reduce((sum, b) => sum + b.spent + b.takenBack + b.expired, 0);
  const busiest = buckets.reduce<Bucket | null>((best, b) => (!best || b.operations > best.operations ? b : best), null);
  const most = busiest && busiest.operations > 0 ? ` The busiest ${step} was ${bucketLabel(busiest.startsAt, granularity)} with ${format.format(busiest.operations)} operations.` : "";
  return `Points flow per ${step} over ${buckets.length} ${step}s: ${format.format(earned)} points earned, ${format.format(out)} spent, taken back or expired.${most} The table below gives every ${step}.`;
}
