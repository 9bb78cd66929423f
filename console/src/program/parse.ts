// What a person types into the program's forms, turned into what the API takes (and back):
// whole numbers, percentages as basis points, multipliers, times, comma-separated lists.
import type { UserError } from "../ui/forms";
import { moneyText, parseMoney } from "../ui/format";

/** "120" -> 120; null when it is not a whole number of at most 15 digits. */
export function parseWhole(text: string): number | null {
  const cleaned = text.trim();
  if (!/^\d{1,15}$/.test(cleaned)) return null;
  return Number(cleaned);
}

/** "10" or "12.5" (percent) -> basis points (1000, 1250); null when not a percentage. */
export function parsePercentBp(text: string): number | null {
  const cleaned = text.trim().replace(",", ".").replace(/%$/, "").trim();
  if (!/^\d{1,5}(\.\d{1,2})?$/.test(cleaned)) return null;
  const [whole, fraction = ""] = cleaned.split(".");
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
}

/** Basis points as a percentage a person reads: 1250 -> "12.5%". */
export function formatBp(bp: number): string {
  return `${new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 }).format(bp / 100)}%`;
}

/** Basis points back into the text a percentage field holds: 1250 -> "12.5". */
export function bpText(bp: number | null | undefined): string {
  return bp === null || bp === undefined ? "" : String(bp / 100);
}

// Minor units back into the text a money field holds (the shop's currency's digits).
export { moneyText } from "../ui/format";

/** A multiplier as the API's Decimal: "1.5" stays "1.5"; null when not above 0 with at
 * most 4 decimals. */
export function parseMultiplier(text: string): string | null {
  const cleaned = text.trim().replace(",", ".");
  if (!/^\d{1,3}(\.\d{1,4})?$/.test(cleaned) || Number(cleaned) <= 0) return null;
  return cleaned;
}

/** A Decimal from the API without trailing zeros: "2.0000" -> "2", "1.5000" -> "1.5". */
export function formatMultiplier(decimal: string): string {
  return `×${String(Number(decimal))}`;
}

/** A datetime-local value (the browser's time zone) as an ISO time with its offset; null
 * when empty, undefined when it is not a time. */
export function parseLocalTime(text: string): string | null | undefined {
  if (!text.trim()) return null;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

/** "COFFEE, tea ,, MUG" -> ["COFFEE", "tea", "MUG"]. */
export function parseList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

/** Collects the problems a form finds before sending, named like the API's userErrors. */
export class Checks {
  readonly errors: UserError[] = [];

  problem(field: string, message: string): void {
    this.errors.push({ field, code: "INVALID", message });
  }

  whole(field: string, text: string, what = "a whole number"): number {
    const value = parseWhole(text);
    if (value === null) this.problem(field, `Enter ${what}, such as 10.`);
    return value ?? 0;
  }

  /** Empty text is null (no limit); otherwise a whole number. */
  optionalWhole(field: string, text: string): number | null {
    return text.trim() ? this.whole(field, text) : null;
  }

  money(field: string, text: string): number {
    const value = parseMoney(text);
    if (value === null) this.problem(field, `Enter an amount such as ${moneyText(1250)}.`);
    return value ?? 0;
  }

  optionalMoney(field: string, text: string): number | null {
    return text.trim() ? this.money(field, text) : null;
  }

  percent(field: string, text: string): number {
    const value = parsePercentBp(text);
    if (value === null) this.problem(field, "Enter a percentage such as 10 or 12.5.");
    return value ?? 0;
  }

  optionalPercent(field: string, text: string): number | null {
    return text.trim() ? this.percent(field, text) : null;
  }

  multiplier(field: string, text: string): string {
    const value = parseMultiplier(text);
    if (value === null) this.problem(field, "Enter a multiplier above 0, such as 1.5.");
    return value ?? "0";
  }

  time(field: string, text: string): string | null {
    const value = parseLocalTime(text);
    if (value === undefined) {
      this.problem(field, "Enter a date and time.");
      return null;
    }
    return value;
  }

  required(field: string, text: string, what: string): string {
    if (!text.trim()) this.problem(field, `Enter ${what}.`);
    return text.trim();
  }

  get ok(): boolean {
    return this.errors.length === 0;
  }
}

