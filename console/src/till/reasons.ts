// Why points or a code cannot be used, in the words a cashier can say to the customer.
import type { QuoteReason, VoucherReason } from "../generated/graphql";

const QUOTE: Record<QuoteReason, string> = {
  NO_POINTS: "The customer has no spendable points.",
  BELOW_MIN_BALANCE: "The customer has fewer points than the least that may be used.",
  BELOW_MIN_CART: "The cart is below the smallest total that may be paid with points.",
  NOTHING_ELIGIBLE: "Nothing in this cart may be paid with points.",
  TOO_FEW_POINTS: "The customer's points are worth less than the smallest amount they can pay.",
  PRIZE_CARDS_ONLY:
    "The customer holds prize cards only: their points count towards rewards, not payments.",
};

const VOUCHER: Record<VoucherReason, string> = {
  NOT_FOUND: "No voucher has this code.",
  DISABLED: "This voucher has been disabled.",
  USED_UP: "This voucher has already been used.",
  EXPIRED: "This voucher has expired.",
  NOT_YET_VALID: "This voucher is not valid yet.",
  ASSIGNED_TO_ANOTHER_CUSTOMER: "This voucher belongs to another customer.",
  ALREADY_USED_ON_ORDER: "This voucher is already used on this sale.",
  ORDER_ALREADY_AWARDED: "This sale has already been recorded.",
  BELOW_MIN_CART: "The cart is below this voucher's minimum.",
  GIFT_NOT_IN_CART: "The gift this voucher gives is not in the cart.",
  NOTHING_TO_DISCOUNT: "Nothing is left to take off this sale.",
};

export function quoteReason(reason: QuoteReason): string {
  return QUOTE[reason] ?? reason;
}

export function voucherReason(reason: VoucherReason): string {
  return VOUCHER[reason] ?? reason;
}
