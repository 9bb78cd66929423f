import { describe, expect, it } from "vitest";
import { EMPTY_FORM, exportUrl, formProblems, movementFilter } from "./movements";
import { periodInstants } from "./period";

const PERIOD = { from: "2026-05-01", to: "2026-05-31" };

describe("the movements' filter", () => {
  it("sends only what was filled in, over the period", () => {
    expect(movementFilter(EMPTY_FORM, PERIOD)).toEqual(periodInstants(PERIOD));
    const filter = movementFilter(
      { customerId: "7", minPoints: " -50 ", maxPoints: "100", reason: " contest ", kind: "MANUAL" },
      PERIOD,
    );
    expect(filter).toEqual({
      ...periodInstants(PERIOD),
      customerId: "7",
      minPoints: -50,
      maxPoints: 100,
      reason: "contest",
      kinds: ["MANUAL"],
    });
  });

  it("gives the CSV export the same filter as query parameters", () => {
    const filter = movementFilter({ customerId: "7", minPoints: "0", maxPoints: "", reason: "a&b", kind: "REDEMPTION" }, PERIOD);
    const url = new URL(exportUrl(filter), "http://shop.test");
    expect(url.pathname).toBe("/exports/ledger-movements.csv");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      since: filter.since,
      until: filter.until,
      customerId: "7",
      minPoints: "0",
      reason: "a&b",
      kinds: "REDEMPTION",
    });
  });

  it("names the bound that is not a whole number, or the most below the least", () => {
    expect(formProblems({ ...EMPTY_FORM, minPoints: "1.5" })).toEqual({ minPoints: "A whole number of points, e.g. -50 or 100." });
    expect(formProblems({ ...EMPTY_FORM, maxPoints: "99999999999" }).maxPoints).toBeDefined();
    expect(formProblems({ ...EMPTY_FORM, minPoints: "10", maxPoints: "5" })).toEqual({
      maxPoints: "The most cannot be less than the least.",
    });
    expect(formProblems({ ...EMPTY_FORM, minPoints: "-10", maxPoints: "-10" })).toEqual({});
  });
});
