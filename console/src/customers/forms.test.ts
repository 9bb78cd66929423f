import { describe, expect, it } from "vitest";
import { NO_LEDGER_FILTER, adjustmentErrors, ledgerFilter, parsePoints } from "./forms";

describe("parsePoints", () => {
  it("reads signed whole numbers as typed", () => {
    expect(parsePoints("50")).toBe(50);
    expect(parsePoints("+50")).toBe(50);
    expect(parsePoints(" -20 ")).toBe(-20);
  });
  it("refuses fractions, words and numbers beyond a GraphQL Int", () => {
    expect(parsePoints("1.5")).toBeNull();
    expect(parsePoints("ten")).toBeNull();
    expect(parsePoints("")).toBeNull();
    expect(parsePoints("3000000000")).toBeNull();
  });
});

describe("adjustmentErrors", () => {
  it("wants non-zero points and a note", () => {
    expect(adjustmentErrors("", "")).toEqual({
      points: expect.stringContaining("Enter"),
      note: expect.stringContaining("note"),
    });
    expect(adjustmentErrors("0", "why").points).toContain("0 points");
    expect(adjustmentErrors("abc", "why").points).toContain("whole number");
    expect(adjustmentErrors("50", "   ").note).toBeDefined();
  });
  it("accepts a signed number with a note", () => {
    expect(adjustmentErrors("-20", "Complaint")).toEqual({});
  });
});

describe("ledgerFilter", () => {
  it("is no filter when nothing is set", () => {
    expect(ledgerFilter(NO_LEDGER_FILTER)).toEqual({ filter: null, errors: null });
  });
  it("takes whole days, both inclusive, in the browser's zone", () => {
    const { filter } = ledgerFilter({ ...NO_LEDGER_FILTER, since: "2026-03-01", until: "2026-03-02" });
    expect(new Date(filter!.since!).getTime()).toBe(new Date(2026, 2, 1).getTime());
    expect(new Date(filter!.until!).getTime()).toBe(new Date(2026, 2, 2, 23, 59, 59, 999).getTime());
  });
  it("passes a kind and point bounds", () => {
    expect(
      ledgerFilter({ ...NO_LEDGER_FILTER, kind: "MANUAL", minPoints: "-10", maxPoints: "100" }),
    ).toEqual({ filter: { kinds: ["MANUAL"], minPoints: -10, maxPoints: 100 }, errors: null });
  });
  it("names the field at fault", () => {
    expect(ledgerFilter({ ...NO_LEDGER_FILTER, minPoints: "x" }).errors).toEqual({
      minPoints: "A whole number of points.",
    });
    expect(ledgerFilter({ ...NO_LEDGER_FILTER, minPoints: "5", maxPoints: "1" }).errors).toEqual({
      maxPoints: "At least the minimum.",
    });
    expect(
      ledgerFilter({ ...NO_LEDGER_FILTER, since: "2026-03-02", until: "2026-03-01" }).errors,
    ).toEqual({ until: "On or after the first day." });
  });
});
