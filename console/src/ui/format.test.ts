import { afterEach, describe, expect, it } from "vitest";
import { formatMoney, majorUnits, minorUnits, moneyText, parseMoney, setShopMoney } from "./format";

const EUR = { currency: "EUR", digits: 2 };

afterEach(() => setShopMoney(EUR));

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
  it("takes a yen shop's amounts whole, and a dinar shop's to three decimals", () => {
    setShopMoney({ currency: "JPY", digits: 0 });
    expect(parseMoney("1250")).toBe(1250);
    expect(parseMoney("12.5")).toBeNull();
    setShopMoney({ currency: "KWD", digits: 3 });
    expect(parseMoney("1.25")).toBe(1250);
    expect(parseMoney("1.234")).toBe(1234);
    expect(parseMoney("1.2345")).toBeNull();
  });
});

describe("money in the shop's currency", () => {
  const format = (currency: string, amount: number, digits: number) =>
    new Intl.NumberFormat(undefined, {
      style: "currency",
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(amount);

  it("shows and writes minor units with the currency's digits", () => {
    expect(formatMoney(1250)).toBe(format("EUR", 12.5, 2));
    expect(moneyText(1250)).toBe("12.50");
    setShopMoney({ currency: "JPY", digits: 0 });
    expect(formatMoney(1250)).toBe(format("JPY", 1250, 0));
    expect(moneyText(1250)).toBe("1250");
    expect(majorUnits(1250)).toBe(1250);
    expect(minorUnits(1250)).toBe(1250);
    setShopMoney({ currency: "KWD", digits: 3 });
    expect(formatMoney(1250)).toBe(format("KWD", 1.25, 3));
    expect(moneyText(1250)).toBe("1.250");
    expect(majorUnits(1250)).toBe(1.25);
  });
  it("shows another currency with that currency's own digits", () => {
    setShopMoney({ currency: "JPY", digits: 0 });
    expect(formatMoney(1250, "EUR")).toBe(format("EUR", 12.5, 2));
  });
  it("reads nothing back as empty", () => {
    expect(moneyText(null)).toBe("");
    expect(moneyText(undefined)).toBe("");
  });
});
