import { describe, expect, it } from "vitest";
import {
  memberCart,
  newOrderId,
  pointsValueMinor,
  pricedFor,
  readEntry,
  saleLines,
  saleTotals,
  shelfCart,
  type CartLine,
  type PricedCart,
  type Quote,
} from "./cart";
import { IdempotencyKeys } from "./idempotency";
import { newSale, paymentsStarted, saleReducer, type TillCustomer } from "./sale";

const LINES: CartLine[] = [
  { id: 1, sku: "BEANS", quantity: 2, unitPriceMinor: 1250, discounted: false },
  { id: 2, sku: "MUG", quantity: 1, unitPriceMinor: 899, discounted: true },
];

type Contribution = PricedCart["lines"][number]["contributions"][number];

function priced(
  memberPrices: number[],
  lines: CartLine[] = LINES,
  cards: Contribution[][] = [],
): PricedCart {
  const pricedLines = lines.map((line, i) => {
    const lineTotalMinor = memberPrices[i] * line.quantity;
    const contributions = cards[i] ?? [];
    const cardDiscountMinor = contributions.reduce((sum, c) => sum + c.amountMinor, 0);
    return {
      sku: line.sku,
      quantity: line.quantity,
      unitPriceMinor: line.unitPriceMinor,
      memberUnitPriceMinor: memberPrices[i],
      lineTotalMinor,
      discountMinor: (line.unitPriceMinor - memberPrices[i]) * line.quantity,
      appliedRule: null,
      cardDiscountMinor,
      netTotalMinor: lineTotalMinor - cardDiscountMinor,
      contributions,
    };
  });
  const total = pricedLines.reduce((sum, l) => sum + l.lineTotalMinor, 0);
  const net = pricedLines.reduce((sum, l) => sum + l.netTotalMinor, 0);
  const shelf = lines.reduce((sum, l) => sum + l.unitPriceMinor * l.quantity, 0);
  return {
    customerId: "7",
    lines: pricedLines,
    totalMinor: shelf,
    discountMinor: shelf - total,
    memberTotalMinor: total,
    cardDiscountMinor: total - net,
    netTotalMinor: net,
  };
}

const CARD_TEN: Contribution = {
  source: "CARD" as const,
  sourceId: "31",
  name: "Friends",
  amountMinor: 225,
};
const CURRENT: Contribution = {
  source: "CURRENT_DISCOUNT" as const,
  sourceId: "5",
  name: "10% from the last sale",
  amountMinor: 101,
};

const QUOTE: Quote = {
  spendablePoints: 2550,
  cartTotalMinor: 5299,
  eligibleMinor: 2500,
  maxPoints: 1589,
  maxValueMinor: 1589,
  reasons: [],
};

describe("the sale's totals", () => {
  it("adds the lines at the typed prices until the customer's prices are known", () => {
    // Given 2 x 12.50 and 1 x 8.99, not yet priced for a customer
    const totals = saleTotals(LINES, undefined, 0, 0);
    // Then the total is the shelf total and nothing is saved
    expect(totals).toEqual({
      shelfMinor: 3399,
      memberSavingsMinor: 0,
      cardSavingsMinor: 0,
      totalMinor: 3399,
      voucherMinor: 0,
      pointsMinor: 0,
      toPayMinor: 3399,
    });
  });

  it("takes member prices, then vouchers and points, off what is paid in money", () => {
    // Given member prices of 11.25 and 8.99, a 5.00 voucher and points worth 10.00
    const totals = saleTotals(LINES, priced([1125, 899]), 500, 1000);
    // Then 2.50 is saved, the total is 31.49 and 16.49 is left to pay in money
    expect(totals.memberSavingsMinor).toBe(250);
    expect(totals.totalMinor).toBe(3149);
    expect(totals.toPayMinor).toBe(1649);
  });

  it("takes the cards and the current discount off after member prices", () => {
    // Given BEANS at 11.25 a unit, then 2.25 off by a card and 1.01 by a current discount
    const totals = saleTotals(LINES, priced([1125, 899], LINES, [[CARD_TEN, CURRENT]]), 0, 0);
    // Then 2.50 is saved by member prices, 3.26 by the cards, and 28.23 is the total
    expect(totals.memberSavingsMinor).toBe(250);
    expect(totals.cardSavingsMinor).toBe(326);
    expect(totals.totalMinor).toBe(2823);
  });

  it("never asks for less than nothing", () => {
    expect(saleTotals(LINES, undefined, 3000, 1000).toPayMinor).toBe(0);
  });

  it("ignores prices that answered for the cart before an edit", () => {
    // Given the cart priced, then a quantity changed
    const before = priced([1125, 899]);
    const edited = [{ ...LINES[0], quantity: 3 }, LINES[1]];
    // Then the old answer is not taken for the new cart
    expect(pricedFor(edited, before)).toBe(false);
    expect(saleTotals(edited, before, 0, 0).totalMinor).toBe(3 * 1250 + 899);
    expect(pricedFor(LINES, before)).toBe(true);
  });
});

describe("the carts sent to the API", () => {
  it("prices at the typed prices and pays and records at member prices", () => {
    expect(shelfCart(LINES)).toEqual([
      { sku: "BEANS", quantity: 2, unitPriceMinor: 1250, discounted: false },
      { sku: "MUG", quantity: 1, unitPriceMinor: 899, discounted: true },
    ]);
    expect(memberCart(LINES, priced([1125, 899]))).toEqual([
      { sku: "BEANS", quantity: 2, unitPriceMinor: 1125, discounted: false },
      { sku: "MUG", quantity: 1, unitPriceMinor: 899, discounted: true },
    ]);
  });

  it("pays a line the cards lowered as one unit at what is left, and records every source", () => {
    const answer = priced([1125, 899], LINES, [[CARD_TEN, CURRENT]]);
    expect(memberCart(LINES, answer)).toEqual([
      { sku: "BEANS", quantity: 1, unitPriceMinor: 1924, discounted: false },
      { sku: "MUG", quantity: 1, unitPriceMinor: 899, discounted: true },
    ]);
    expect(saleLines(LINES, answer)).toEqual([
      {
        sku: "BEANS",
        quantity: 2,
        unitPriceMinor: 1125,
        discounted: false,
        discounts: [
          { source: "CARD" as const, sourceId: "31", amountMinor: 225 },
          { source: "CURRENT_DISCOUNT" as const, sourceId: "5", amountMinor: 101 },
        ],
      },
      { sku: "MUG", quantity: 1, unitPriceMinor: 899, discounted: true, discounts: [] },
    ]);
  });
});

describe("what the points typed pay", () => {
  const rate = { pointsPerUnit: 100, valuePerUnitMinor: 100 };

  it("pays the quote's value for its points, and floor(p x value / points) for fewer", () => {
    expect(pointsValueMinor(1589, rate, QUOTE)).toBe(1589);
    expect(pointsValueMinor(1000, rate, QUOTE)).toBe(1000);
    // 100 points = 0.30: 333 points pay 0.99, not 1.00
    expect(pointsValueMinor(333, { pointsPerUnit: 100, valuePerUnitMinor: 30 }, QUOTE)).toBe(99);
  });

  it("pays the cap when a coarse rate's fewest points are worth more (docs/checkout.md)", () => {
    // 1 point = 1.00 and a cap of 1.50: the quote asks 2 points, which pay 1.50
    const coarse = { pointsPerUnit: 1, valuePerUnitMinor: 100 };
    const capped: Quote = { ...QUOTE, maxPoints: 2, maxValueMinor: 150 };
    expect(pointsValueMinor(2, coarse, capped)).toBe(150);
    expect(pointsValueMinor(1, coarse, capped)).toBe(100);
  });

  it("has no value for what the quote does not allow", () => {
    expect(pointsValueMinor(1590, rate, QUOTE)).toBeNull();
    expect(pointsValueMinor(0, rate, QUOTE)).toBeNull();
    expect(pointsValueMinor(-5, rate, QUOTE)).toBeNull();
    expect(pointsValueMinor(2.5, rate, QUOTE)).toBeNull();
  });
});

describe("a line typed at the till", () => {
  it("is read into a line of minor units", () => {
    const read = readEntry({ sku: " BEANS ", quantity: "2", unitPrice: "12,5", discounted: false });
    expect(read.line).toEqual({ sku: "BEANS", quantity: 2, unitPriceMinor: 1250, discounted: false });
  });

  it("says what is wrong with each field", () => {
    const read = readEntry({ sku: "", quantity: "0", unitPrice: "12.345", discounted: false });
    expect(Object.keys(read.errors ?? {}).sort()).toEqual(["quantity", "sku", "unitPrice"]);
    expect(readEntry({ sku: "A", quantity: "1.5", unitPrice: "1", discounted: false }).errors)
      .toHaveProperty("quantity");
    expect(readEntry({ sku: "A", quantity: "1", unitPrice: "1000000", discounted: false }).errors)
      .toHaveProperty("unitPrice");
  });
});

describe("order numbers", () => {
  it("carry the till's date and time and six random characters", () => {
    const id = newOrderId(new Date(2025, 2, 7, 9, 5, 3), () => 0.5);
    expect(id).toBe("TILL-250307-090503-GGGGGG");
  });
});

describe("idempotency keys", () => {
  it("keeps the key of a request until the server has answered it", () => {
    let n = 0;
    const keys = new IdempotencyKeys(() => String((n += 1)));
    const first = keys.keyFor("points", { orderId: "T1", points: 500 });
    // When the same request is tried again (no answer came), then it carries the same key
    expect(keys.keyFor("points", { orderId: "T1", points: 500 })).toBe(first);
    // When the server answered, then the next request gets a new key
    keys.settled("points");
    expect(keys.keyFor("points", { orderId: "T1", points: 500 })).not.toBe(first);
  });

  it("gives other terms, and other kinds of write, their own key", () => {
    const keys = new IdempotencyKeys();
    const voucher = keys.keyFor("voucher", { code: "A" });
    expect(keys.keyFor("voucher", { code: "B" })).not.toBe(voucher);
    expect(keys.keyFor("refund", { code: "B" })).not.toBe(keys.keyFor("voucher", { code: "B" }));
  });
});

describe("the sale", () => {
  const customer = (id: string): TillCustomer => ({
    id,
    firstName: "Ann",
    lastName: null,
    cardCode: "C-1",
    category: { id: "1", name: "Base" },
    points: { balance: 1000, held: 0, spendable: 1000 },
    badges: { unlocked: [], next: [] },
  });

  it("locks the cart and the customer once a voucher is used on the order", () => {
    let sale = saleReducer(newSale(), { type: "customer", customer: customer("1") });
    sale = saleReducer(sale, {
      type: "addLine",
      line: { sku: "TEA", quantity: 1, unitPriceMinor: 1200, discounted: false },
    });
    sale = saleReducer(sale, { type: "voucherUsed", voucher: { code: "V", discountMinor: 500, redemptionId: "1" } });
    expect(paymentsStarted(sale)).toBe(true);
    const locked = saleReducer(sale, {
      type: "addLine",
      line: { sku: "MUG", quantity: 1, unitPriceMinor: 899, discounted: false },
    });
    expect(locked.lines.map((l) => l.sku)).toEqual(["TEA"]);
    expect(saleReducer(sale, { type: "customer", customer: customer("2") }).customer?.id).toBe("1");
  });

  it("keeps held points out of the spendable ones when only a balance comes back", () => {
    let sale = saleReducer(newSale(), { type: "customer", customer: customer("1") });
    sale = saleReducer(sale, { type: "balance", points: { balance: 1000, held: 300 } });
    sale = saleReducer(sale, { type: "balance", points: { balance: 900 } });
    expect(sale.customer?.points).toEqual({ balance: 900, held: 300, spendable: 600 });
  });

  it("starts a new sale with a new order number", () => {
    const sale = newSale(new Date(2025, 0, 1));
    expect(saleReducer(sale, { type: "newSale" }).orderId).not.toBe(sale.orderId);
  });
});
