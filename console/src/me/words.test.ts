import { describe, expect, it } from "vitest";
import { dayOf, signedPoints, voucherValue } from "./words";

describe("the customer's words", () => {
  it("say what a voucher is worth", () => {
    expect(voucherValue({ kind: "GIFT_ITEM", giftSku: "MUG", valueMinor: null, percentBp: null })).toBe("Free gift (MUG)");
    expect(voucherValue({ kind: "PERCENT", percentBp: 1250, valueMinor: null, giftSku: null })).toBe(
      `${new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 }).format(12.5)}% off`,
    );
    expect(voucherValue({ kind: "FIXED_AMOUNT", valueMinor: 500, percentBp: null, giftSku: null })).toMatch(/5.00 off$/);
  });

  it("sign points, and show a calendar day as that day in any time zone", () => {
    expect(signedPoints(100)).toBe("+100");
    expect(signedPoints(-30)).toBe("−30");
    expect(dayOf("2026-06-01")).toBe(new Intl.DateTimeFormat(undefined, { dateStyle: "medium" }).format(new Date(2026, 5, 1)));
  });
});
