import { describe, expect, it } from "vitest";
import { discountStatus, discountValue } from "./CurrentDiscounts";

const NOW = new Date("2026-12-06T12:00:00Z");
const OPEN = { usedAt: null, cancelledAt: null, expiresAt: "2026-12-20T00:00:00Z" };

describe("a current discount on the card page", () => {
  it("says what it takes off: money, else a percentage", () => {
    expect(discountValue({ amountOffMinor: 750, percentBp: null })).toMatch(/7\.50 off$/);
    expect(discountValue({ amountOffMinor: null, percentBp: 1000 })).toBe("10% off");
    expect(discountValue({ amountOffMinor: null, percentBp: 250 })).toBe("2.5% off");
  });

  it("is open until it expires, unless used or cancelled first", () => {
    expect(discountStatus(OPEN, NOW)).toMatch(/^Open until /);
    expect(discountStatus({ ...OPEN, expiresAt: "2026-12-06T12:00:00Z" }, NOW)).toMatch(/^Expired /);
    expect(discountStatus({ ...OPEN, usedAt: "2026-12-05T10:00:00Z" }, NOW)).toMatch(/^Used /);
    const cancelled = { ...OPEN, cancelledAt: "2026-12-05T11:00:00Z" };
    expect(discountStatus(cancelled, NOW)).toMatch(/its sale was refunded\)$/);
  });
});
