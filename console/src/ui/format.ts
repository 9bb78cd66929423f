// Money is an integer of minor units; points are integers. Shown in the browser's locale.
const CURRENCY = "EUR";

export function formatMoney(minor: number, currency = CURRENCY): string {
  return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(minor / 100);
}

export function formatPoints(points: number): string {
  return new Intl.NumberFormat().format(points);
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "";
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(iso),
  );
}

/** "12.50" typed by a person into minor units (1250); null when it is not an amount. */
export function parseMoney(text: string): number | null {
  const cleaned = text.trim().replace(",", ".");
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null;
  const [units, cents = ""] = cleaned.split(".");
  return Number(units) * 100 + Number(cents.padEnd(2, "0"));
}
