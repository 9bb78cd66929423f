// How the customer pages name things: customers, movements, actors, vouchers.
import type { LedgerEntryKind, VoucherKind } from "../generated/graphql";
import { formatMoney, formatPoints } from "../ui/format";

type Named = {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email?: string | null;
  cardCode?: string | null;
};

/** The customer's name, else what else identifies them. */
export function customerName(c: Named): string {
  const name = [c.firstName, c.lastName].filter(Boolean).join(" ");
  return name || c.email || (c.cardCode ? `Card ${c.cardCode}` : `Customer ${c.id}`);
}

export const KIND_LABELS: Record<LedgerEntryKind, string> = {
  PURCHASE: "Purchase",
  REFUND: "Refund",
  MANUAL: "Manual adjustment",
  REVERSAL: "Reversal",
  REDEMPTION: "Redemption",
  REDEMPTION_REFUND: "Redemption cancelled",
  ACTION: "Action",
  OPENING: "Opening balance",
  EXPIRY: "Expiry",
  GIFT: "Gift",
};

/** Points with their sign: "+50", "−20" (a true minus sign, read as "minus"). */
export function signedPoints(points: number): string {
  if (points > 0) return `+${formatPoints(points)}`;
  if (points < 0) return `−${formatPoints(-points)}`;
  return "0";
}

export function voucherValue(v: {
  kind: VoucherKind;
  valueMinor: number | null;
  percentBp: number | null;
  giftSku: string | null;
}): string {
  switch (v.kind) {
    case "FIXED_AMOUNT":
      return `${formatMoney(v.valueMinor ?? 0)} off`;
    case "PERCENT":
      return `${(v.percentBp ?? 0) / 100}% off`;
    case "GIFT_ITEM":
      return `Free ${v.giftSku ?? "item"}`;
  }
}

/** A date-only value (yyyy-mm-dd) in the browser's words, without a time zone shift. */
export function formatDay(day: string | null | undefined): string {
  if (!day) return "";
  const [y, m, d] = day.split("-").map(Number);
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium" }).format(new Date(y, m - 1, d));
}
