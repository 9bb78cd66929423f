// The customer's words for what the ledger and the vouchers hold.
import type { ConsentSource, LedgerEntryKind, RewardStandingReason, VoucherKind, VoucherStatus } from "../generated/graphql";
import { formatMoney } from "../ui/format";

const KINDS: Record<LedgerEntryKind, string> = {
  PURCHASE: "Earned on a purchase",
  REFUND: "Taken back for a return",
  MANUAL: "Adjusted by the shop",
  REVERSAL: "Correction",
  REDEMPTION: "Used on an order",
  REDEMPTION_REFUND: "Given back",
  ACTION: "Earned for an action",
  OPENING: "Points brought over",
  EXPIRY: "Expired",
  GIFT: "Gift from the shop",
};

export function kindInWords(kind: LedgerEntryKind): string {
  return KINDS[kind] ?? kind;
}

export function signedPoints(points: number): string {
  const formatted = new Intl.NumberFormat().format(Math.abs(points));
  return points < 0 ? `−${formatted}` : `+${formatted}`;
}

export function voucherValue(voucher: {
  kind: VoucherKind;
  valueMinor: number | null;
  percentBp: number | null;
  giftSku: string | null;
}): string {
  switch (voucher.kind) {
    case "FIXED_AMOUNT":
      return voucher.valueMinor === null ? "Discount" : `${formatMoney(voucher.valueMinor)} off`;
    case "PERCENT":
      return voucher.percentBp === null
        ? "Discount"
        : `${new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 }).format(voucher.percentBp / 100)}% off`;
    case "GIFT_ITEM":
      return voucher.giftSku ? `Free gift (${voucher.giftSku})` : "Free gift";
    default:
      return voucher.kind;
  }
}

const STATUSES: Record<VoucherStatus, string> = {
  ACTIVE: "Ready to use",
  NOT_YET_VALID: "Not valid yet",
  USED_UP: "Used",
  EXPIRED: "Expired",
  DISABLED: "Cancelled",
};

export function voucherStatus(status: VoucherStatus): string {
  return STATUSES[status] ?? status;
}

const REASONS: Record<RewardStandingReason, string> = {
  INSUFFICIENT_POINTS: "Not enough points yet",
  OUT_OF_STOCK: "Out of stock",
  LIMIT_REACHED: "You have claimed it as often as allowed",
};

export function reasonInWords(reason: RewardStandingReason): string {
  return REASONS[reason] ?? reason;
}

const SOURCES: Record<ConsentSource, string> = {
  CUSTOMER: "by you",
  STAFF: "by the shop",
  STOP_KEYWORD: "by replying STOP",
  UNSUBSCRIBE_LINK: "by the unsubscribe link",
};

export function sourceInWords(source: ConsentSource): string {
  return SOURCES[source] ?? source;
}

export function dayOf(iso: string): string {
  // A Date (YYYY-MM-DD) is a calendar day: shown as such, not shifted by the time zone.
  const date = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T00:00:00`) : new Date(iso);
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium" }).format(date);
}
