// The program's settings in words, as the tables and summaries show them.
import type {
  ProductEarningMode,
  PurchaseStatus,
  VoucherKind,
} from "../generated/graphql";
import { formatMoney } from "../ui/format";
import { formatBp } from "./parse";

export const AWARD_STATUS: { value: PurchaseStatus; label: string }[] = [
  { value: "CREATED", label: "When the order is created" },
  { value: "PAID", label: "When the order is paid" },
  { value: "COMPLETED", label: "When the order is completed" },
];

export const EARNING_MODES: { value: ProductEarningMode; label: string }[] = [
  { value: "FIXED_PER_UNIT", label: "Fixed points per unit" },
  { value: "PERCENT", label: "Percent of the line amount" },
  { value: "EXCLUDED", label: "Earns nothing" },
];

export const VOUCHER_KINDS: { value: VoucherKind; label: string }[] = [
  { value: "FIXED_AMOUNT", label: "Amount off" },
  { value: "PERCENT", label: "Percent off the cart" },
  { value: "GIFT_ITEM", label: "A free product" },
];

/** What an override earns: "15 points per unit", "10% of the line", "Earns nothing". */
export function describeOverride(mode: ProductEarningMode, value: number): string {
  switch (mode) {
    case "FIXED_PER_UNIT":
      return `${value} ${value === 1 ? "point" : "points"} per unit`;
    case "PERCENT":
      return `${formatBp(value)} of the line amount, as points`;
    case "EXCLUDED":
      return "Earns nothing";
  }
}

type Terms = {
  kind: VoucherKind;
  valueMinor?: number | null;
  percentBp?: number | null;
  giftSku?: string | null;
};

/** What a voucher gives: "5.00 off", "10% off the cart", "1 × MUG free". */
export function describeVoucher(terms: Terms): string {
  switch (terms.kind) {
    case "FIXED_AMOUNT":
      return `${formatMoney(terms.valueMinor ?? 0)} off`;
    case "PERCENT":
      return `${formatBp(terms.percentBp ?? 0)} off the cart`;
    case "GIFT_ITEM":
      return `1 × ${terms.giftSku ?? "?"} free`;
  }
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${new Intl.NumberFormat().format(count)} ${count === 1 ? one : many}`;
}
