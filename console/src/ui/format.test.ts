import { describe, expect, it } from "vitest";
import { parseMoney } from "./format";

describe("parseMoney", () => {
  it("turns what a cashier types into minor units", () => {
    expect(parseMoney("12.50")).toBe(1250);
    expect(parseMoney("12,5")).toBe(1250);
    expect(parseMoney("7")).toBe(700);
    expect(parseMoney(" 0.05 ")).toBe(5);
  });
  it("refuses what is not an amount", () => {
    expect(parseMoney("")).toBeNull();
    expect(parseMoney("-1")).toBeNull();
    expect(parseMoney("1.234")).toBeNull();
    expect(parseMoney("abc")).toBeNull();
  });
});
