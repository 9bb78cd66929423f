// The BI page's arithmetic and words, kept apart from the components so they are tested alone.

/** "0.2500" (a share to 4 decimals, as the API sends it) as "25%"; "—" for null. */
export function percent(share: string | null | undefined): string {
  if (share === null || share === undefined) return "—";
  const value = Number(share) * 100;
  return `${Number.isInteger(value) ? value : value.toFixed(1)}%`;
}

/** The ROI (a ratio to 4 decimals: "8.8765") as a percentage of the cost: "+887.65%". */
export function roiPercent(roi: string | null | undefined): string {
  if (roi === null || roi === undefined) return "—";
  const value = Number(roi) * 100;
  return `${value >= 0 ? "+" : ""}${value.toFixed(2)}%`;
}

/** A registration month (the cohort's first instant, UTC) as "May 2026". */
export function cohortLabel(startsAt: string): string {
  return new Intl.DateTimeFormat(undefined, { month: "short", year: "numeric", timeZone: "UTC" }).format(
    new Date(startsAt),
  );
}

/** The months after registration the retention chart draws (those every cohort may have). */
export const CHART_MONTHS = [1, 3, 6];

/** Each chart month's retention per cohort (null where the month has not come yet), in %. */
export function retentionSeries(
  cohorts: { months: { month: number; retention: string }[] }[],
): { month: number; values: (number | null)[] }[] {
  return CHART_MONTHS.map((month) => ({
    month,
    values: cohorts.map((c) => {
      const found = c.months.find((m) => m.month === month);
      return found ? Math.round(Number(found.retention) * 1000) / 10 : null;
    }),
  }));
}

/** The ROI chart's one sentence, for its canvas's label. */
export function roiSummary(revenueMinor: number, costMinor: number, roi: string | null, money: (m: number) => string): string {
  const ratio = roi === null ? "no cost, so no ROI" : `an ROI of ${roiPercent(roi)}`;
  return `Member revenue ${money(revenueMinor)} against a program cost of ${money(costMinor)}: ${ratio}`;
}

/** A shop and channel as a row heading ("" is an order never reported). */
export function shopChannel(shop: string | null, channel: string | null): string {
  return `${shop ?? "All shops"} · ${channel === "" ? "unreported order" : (channel ?? "all channels")}`;
}
