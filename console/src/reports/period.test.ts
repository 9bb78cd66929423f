import { describe, expect, it } from "vitest";
import { defaultPeriod, lastMonths, periodFromSearch, periodInstants, periodProblems } from "./period";

describe("the reports' period", () => {
  it("is the last 30 days by day unless the address says otherwise", () => {
    const today = new Date(2026, 4, 31, 15, 30);
    expect(defaultPeriod(today)).toEqual({ from: "2026-05-02", to: "2026-05-31", granularity: "DAY" });
    expect(periodFromSearch(new URLSearchParams("from=2026-01-01&to=2026-03-31&by=MONTH"), today)).toEqual({
      from: "2026-01-01",
      to: "2026-03-31",
      granularity: "MONTH",
    });
    // a period the server would refuse falls back to the default
    expect(periodFromSearch(new URLSearchParams("from=2026-03-01&to=2026-01-01"), today)).toEqual(defaultPeriod(today));
    expect(periodFromSearch(new URLSearchParams("by=YEAR"), today).granularity).toBe("DAY");
  });

  it("covers whole local days, the last one included (until is the next midnight)", () => {
    const { since, until } = periodInstants({ from: "2026-05-01", to: "2026-05-31" });
    expect(new Date(since).getTime()).toBe(new Date(2026, 4, 1).getTime());
    expect(new Date(until).getTime()).toBe(new Date(2026, 5, 1).getTime());
  });

  it("starts the last 12 months on the first of the month eleven months back", () => {
    expect(lastMonths(12, new Date(2026, 4, 31))).toEqual({ from: "2025-06-01", to: "2026-05-31" });
  });

  it("refuses a missing day, a reversed period and more days than the step allows", () => {
    expect(periodProblems({ from: "", to: "2026-05-01", granularity: "DAY" })).toEqual({ from: "Choose the first day." });
    expect(periodProblems({ from: "2026-05-02", to: "2026-05-01", granularity: "DAY" }).to).toMatch(/cannot come before/);
    expect(periodProblems({ from: "2026-05-01", to: "2026-05-01", granularity: "DAY" })).toEqual({});
    // 1,000 days by day is the most; 1,001 is refused, by week it is fine
    expect(periodProblems({ from: "2024-01-01", to: "2026-09-26", granularity: "DAY" })).toEqual({});
    expect(periodProblems({ from: "2024-01-01", to: "2026-09-27", granularity: "DAY" }).to).toMatch(/at most 1,000 days/);
    expect(periodProblems({ from: "2024-01-01", to: "2026-09-27", granularity: "WEEK" })).toEqual({});
  });
});
