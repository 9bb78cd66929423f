// The till's sums, kept apart from the components so they can be checked without a browser.
// Money is integer minor units and points integers, as on the API; nothing here rounds but
// the points' value, which follows docs/checkout.md exactly.
import { moneyText, parseMoney } from "../ui/format";
import type {
  CartLineInput,
  PriceCartQuery,
  PurchaseLineInput,
  QuoteRedemptionQuery,
} from "../generated/graphql";

export type CartLine = {
  /** Local, for React keys and edits: a SKU may be on two lines (one discounted). */
  id: number;
  sku: string;
  quantity: number;
  /** The shelf price the cashier typed. */
  unitPriceMinor: number;
  discounted: boolean;
};

export type NewLine = Omit<CartLine, "id">;

export type PricedCart = PriceCartQuery["priceCart"];
export type Quote = QuoteRedemptionQuery["quoteRedemption"];
export type Rate = { pointsPerUnit: number; valuePerUnitMinor: number };

/** A till's bounds, well inside the API's (a quantity to 1,000,000, 500 lines, SKUs of 100). */
export const MAX_QUANTITY = 9999;
export const MAX_UNIT_PRICE_MINOR = 99_999_999;
export const MAX_LINES = 500;
export const MAX_SKU_LENGTH = 100;

export function lineTotalMinor(line: Pick<CartLine, "quantity" | "unitPriceMinor">): number {
  return line.quantity * line.unitPriceMinor;
}

export function shelfTotalMinor(lines: readonly CartLine[]): number {
  return lines.reduce((sum, line) => sum + lineTotalMinor(line), 0);
}

/** The cart as the API takes it, at the prices the cashier typed (what priceCart prices). */
export function shelfCart(lines: readonly CartLine[]): CartLineInput[] {
  return lines.map(({ sku, quantity, unitPriceMinor, discounted }) => ({
    sku,
    quantity,
    unitPriceMinor,
    discounted,
  }));
}

/** Whether `priced` answers for exactly these lines (not for the cart as it was before an edit). */
export function pricedFor(lines: readonly CartLine[], priced: PricedCart | undefined): priced is PricedCart {
  if (!priced || priced.lines.length !== lines.length || !lines.length) return false;
  return lines.every((line, i) => {
    const answer = priced.lines[i];
    return (
      answer.sku === line.sku &&
      answer.quantity === line.quantity &&
      answer.unitPriceMinor === line.unitPriceMinor
    );
  });
}

/**
 * The cart as the customer pays for it: what is quoted and paid with points or vouchers, so
 * that every payment of one sale sees the same cart. A line at its member price; a line
 * that cards or a current discount lowered further, as one unit at what is left of it (its
 * net total need not divide by its quantity, and only its amount matters to a payment).
 */
export function memberCart(lines: readonly CartLine[], priced: PricedCart): CartLineInput[] {
  return lines.map((line, i) => {
    const answer = priced.lines[i];
    const lowered = answer.cardDiscountMinor > 0;
    return {
      sku: line.sku,
      quantity: lowered ? 1 : line.quantity,
      unitPriceMinor: lowered ? answer.netTotalMinor : answer.memberUnitPriceMinor,
      discounted: line.discounted,
    };
  });
}

/**
 * The sale as it is recorded: each line at its member unit price, with what each source
 * (price rule, card, current discount) took off it, as priced, so the cost is known.
 */
export function saleLines(lines: readonly CartLine[], priced: PricedCart): PurchaseLineInput[] {
  return lines.map((line, i) => ({
    sku: line.sku,
    quantity: line.quantity,
    unitPriceMinor: priced.lines[i].memberUnitPriceMinor,
    discounted: line.discounted,
    discounts: priced.lines[i].contributions.map(({ source, sourceId, amountMinor }) => ({
      source,
      sourceId,
      amountMinor,
    })),
  }));
}

export type SaleTotals = {
  /** At the prices typed. */
  shelfMinor: number;
  /** What member prices take off. */
  memberSavingsMinor: number;
  /** What the customer's cards and current discount take off after member prices. */
  cardSavingsMinor: number;
  /** What the customer pays for the goods: the order's total. */
  totalMinor: number;
  voucherMinor: number;
  pointsMinor: number;
  /** What is left to pay in money (never below zero). */
  toPayMinor: number;
};

export function saleTotals(
  lines: readonly CartLine[],
  priced: PricedCart | undefined,
  voucherMinor: number,
  pointsMinor: number,
): SaleTotals {
  const shelfMinor = shelfTotalMinor(lines);
  const ready = pricedFor(lines, priced);
  const memberMinor = ready ? priced.memberTotalMinor : shelfMinor;
  const totalMinor = ready ? priced.netTotalMinor : shelfMinor;
  return {
    shelfMinor,
    memberSavingsMinor: shelfMinor - memberMinor,
    cardSavingsMinor: memberMinor - totalMinor,
    totalMinor,
    voucherMinor,
    pointsMinor,
    toPayMinor: Math.max(0, totalMinor - voucherMinor - pointsMinor),
  };
}

/**
 * What `points` pay on this cart, or null when the quote does not allow them: p points pay
 * floor(p x value / points per unit), never more than the quote's value (the fewest points
 * of a coarse rate may be worth more than the cap; they then pay the cap).
 */
export function pointsValueMinor(points: number, rate: Rate, quote: Quote): number | null {
  if (!Number.isInteger(points) || points <= 0 || points > quote.maxPoints) return null;
  const value = Math.floor((points * rate.valuePerUnitMinor) / rate.pointsPerUnit);
  return Math.min(value, quote.maxValueMinor);
}

export type LineEntry = { sku: string; quantity: string; unitPrice: string; discounted: boolean };
export type EntryErrors = Partial<Record<"sku" | "quantity" | "unitPrice", string>>;

/** A line the cashier typed, checked: the line, or what is wrong with each field. */
export function readEntry(
  entry: LineEntry,
): { line: NewLine; errors?: undefined } | { line?: undefined; errors: EntryErrors } {
  const errors: EntryErrors = {};
  const sku = entry.sku.trim();
  if (!sku) errors.sku = "Type or scan the product's SKU.";
  else if (sku.length > MAX_SKU_LENGTH) errors.sku = `At most ${MAX_SKU_LENGTH} characters.`;
  const quantity = Number(entry.quantity.trim());
  if (!/^\d+$/.test(entry.quantity.trim()) || quantity < 1 || quantity > MAX_QUANTITY) {
    errors.quantity = `A whole number from 1 to ${MAX_QUANTITY}.`;
  }
  const unitPriceMinor = parseMoney(entry.unitPrice);
  if (unitPriceMinor === null) errors.unitPrice = `An amount such as ${moneyText(1250)}.`;
  else if (unitPriceMinor > MAX_UNIT_PRICE_MINOR) errors.unitPrice = `At most ${moneyText(MAX_UNIT_PRICE_MINOR)}.`;
  if (Object.keys(errors).length || unitPriceMinor === null) return { errors };
  return { line: { sku, quantity, unitPriceMinor, discounted: entry.discounted } };
}

/**
 * A new order number for a sale: the till's prefix, the local date and time and six random
 * characters, so two tills never pick the same one. recordPurchase is idempotent on it: the
 * sale keeps it until it is recorded, so a retry after a timeout cannot record it twice.
 */
export function newOrderId(now: Date, random: () => number = Math.random): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const date = `${String(now.getFullYear()).slice(2)}${two(now.getMonth() + 1)}${two(now.getDate())}`;
  const time = `${two(now.getHours())}${two(now.getMinutes())}${two(now.getSeconds())}`;
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  let tail = "";
  for (let i = 0; i < 6; i += 1) tail += alphabet[Math.floor(random() * alphabet.length)];
  return `TILL-${date}-${time}-${tail}`;
}
