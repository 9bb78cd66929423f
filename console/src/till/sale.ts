// One sale at the till: who, what, and what has already been paid other than in money.
// Once a voucher or points are used on the order the cart is locked: the server priced those
// payments on this cart, so changing it means cancelling the sale.
import type { CardLookupQuery } from "../generated/graphql";
import type { CartLine, NewLine } from "./cart";
import { newOrderId } from "./cart";

type Read = NonNullable<CardLookupQuery["cardLookup"]>;
export type TillCustomer = NonNullable<Read["customer"]>;
/** The card the till read (any of the customer's cards, not only the primary one). */
export type TillCard = Read["card"];
export type Points = TillCustomer["points"];

/** A code used on the order; its redemption is given back if the sale is cancelled. */
export type UsedVoucher = { code: string; discountMinor: number; redemptionId: string };

/** Points on the order: paid at once, or held while the card payment runs, then captured. */
export type PointsPayment =
  | { kind: "paid"; redemptionId: string; points: number; valueMinor: number }
  | { kind: "held"; holdId: string; points: number; valueMinor: number; expiresAt: string }
  | { kind: "captured"; holdId: string; points: number; valueMinor: number };

export type Sale = {
  orderId: string;
  customer: TillCustomer | null;
  /** The card read for this customer: the sale is told apart from one by another card. */
  card: TillCard | null;
  lines: CartLine[];
  vouchers: UsedVoucher[];
  points: PointsPayment | null;
  nextLineId: number;
};

export type SaleAction =
  | { type: "customer"; customer: TillCustomer; card?: TillCard }
  | { type: "balance"; points: Partial<Points> & { balance: number } }
  | { type: "addLine"; line: NewLine }
  | { type: "quantity"; id: number; quantity: number }
  | { type: "removeLine"; id: number }
  | { type: "voucherUsed"; voucher: UsedVoucher }
  | { type: "points"; payment: PointsPayment | null }
  | { type: "newSale" };

export function newSale(now: Date = new Date()): Sale {
  return {
    orderId: newOrderId(now),
    customer: null,
    card: null,
    lines: [],
    vouchers: [],
    points: null,
    nextLineId: 1,
  };
}

/** Vouchers or points are on the order: the cart and the customer stay as they are. */
export function paymentsStarted(sale: Sale): boolean {
  return sale.vouchers.length > 0 || sale.points !== null;
}

export function voucherTotalMinor(sale: Sale): number {
  return sale.vouchers.reduce((sum, v) => sum + v.discountMinor, 0);
}

/** What points pay on the order (a hold counts: its value is fixed when it is placed). */
export function pointsValueOnOrder(sale: Sale): number {
  return sale.points?.valueMinor ?? 0;
}

export function saleReducer(sale: Sale, action: SaleAction): Sale {
  switch (action.type) {
    case "customer":
      // Payments on the order belong to its customer; the same card again refreshes them.
      if (paymentsStarted(sale) && action.customer.id !== sale.customer?.id) return sale;
      return { ...sale, customer: action.customer, card: action.card ?? null };
    case "balance": {
      if (!sale.customer) return sale;
      const held = action.points.held ?? sale.customer.points.held;
      const points: Points = {
        balance: action.points.balance,
        held,
        spendable: action.points.spendable ?? action.points.balance - held,
      };
      return { ...sale, customer: { ...sale.customer, points } };
    }
    case "addLine":
      if (paymentsStarted(sale)) return sale;
      return {
        ...sale,
        lines: [...sale.lines, { ...action.line, id: sale.nextLineId }],
        nextLineId: sale.nextLineId + 1,
      };
    case "quantity":
      if (paymentsStarted(sale)) return sale;
      return {
        ...sale,
        lines: sale.lines.map((line) =>
          line.id === action.id ? { ...line, quantity: action.quantity } : line,
        ),
      };
    case "removeLine":
      if (paymentsStarted(sale)) return sale;
      return { ...sale, lines: sale.lines.filter((line) => line.id !== action.id) };
    case "voucherUsed":
      return { ...sale, vouchers: [...sale.vouchers, action.voucher] };
    case "points":
      return { ...sale, points: action.payment };
    case "newSale":
      return newSale();
  }
}
