import { describe, expect, it } from "vitest";
import {
  Checks,
  bpText,
  formatBp,
  formatMultiplier,
  moneyText,
  parseList,
  parseLocalTime,
  parseMultiplier,
  parsePercentBp,
  parseWhole,
} from "./parse";

describe("parseWhole", () => {
  it("reads whole numbers and refuses the rest", () => {
    expect(parseWhole(" 120 ")).toBe(120);
    expect(parseWhole("0")).toBe(0);
    expect(parseWhole("-1")).toBeNull();
    expect(parseWhole("1.5")).toBeNull();
    expect(parseWhole("")).toBeNull();
  });
});

describe("percentages", () => {
  it("turn into basis points and back", () => {
    expect(parsePercentBp("10")).toBe(1000);
    expect(parsePercentBp("12.5")).toBe(1250);
    expect(parsePercentBp("0,25 %")).toBe(25);
    expect(parsePercentBp("12.345")).toBeNull();
    expect(parsePercentBp("ten")).toBeNull();
    expect(bpText(1250)).toBe("12.5");
    expect(bpText(null)).toBe("");
    expect(formatBp(1000)).toMatch(/^10\s?%$/);
  });
});

describe("multipliers and money text", () => {
  it("keeps at most four decimals above zero", () => {
    expect(parseMultiplier("1.5")).toBe("1.5");
    expect(parseMultiplier("2,25")).toBe("2.25");
    expect(parseMultiplier("0")).toBeNull();
    expect(parseMultiplier("1.23456")).toBeNull();
    expect(formatMultiplier("2.0000")).toBe("×2");
    expect(moneyText(1250)).toBe("12.50");
    expect(moneyText(null)).toBe("");
  });
});

describe("lists and times", () => {
  it("splits comma-separated lists and reads local times", () => {
    expect(parseList("COFFEE, tea ,, MUG")).toEqual(["COFFEE", "tea", "MUG"]);
    expect(parseList(" ")).toEqual([]);
    expect(parseLocalTime("")).toBeNull();
    expect(parseLocalTime("not a time")).toBeUndefined();
    expect(parseLocalTime("2026-05-01T09:00")).toBe(new Date("2026-05-01T09:00").toISOString());
  });
});

describe("Checks", () => {
  it("names each field at fault, as the API's userErrors do", () => {
    const checks = new Checks();
    expect(checks.whole("pointsPerUnit", "ten")).toBe(0);
    expect(checks.money("spendUnitMinor", "1.00")).toBe(100);
    expect(checks.optionalMoney("maxDiscountMinor", "")).toBeNull();
    expect(checks.optionalPercent("maxDiscountBp", "abc")).toBe(0);
    expect(checks.ok).toBe(false);
    expect(checks.errors.map((e) => e.field)).toEqual(["pointsPerUnit", "maxDiscountBp"]);
  });
});
