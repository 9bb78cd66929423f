import { describe, expect, it } from "vitest";
import { periodFilter } from "./period";

describe("periodFilter", () => {
  it("includes the whole last day: until is the next midnight", () => {
    const { since, until } = periodFilter("2026-03-01", "2026-03-31");
    expect(new Date(since!).getDate()).toBe(1);
    expect(new Date(until!).getMonth()).toBe(3); // April 1st, exclusive
    expect(new Date(until!).getDate()).toBe(1);
    expect(new Date(until!).getTime() - new Date(since!).getTime()).toBeGreaterThanOrEqual(30 * 86_400_000);
  });
  it("leaves an empty day open", () => {
    expect(periodFilter("", "")).toEqual({ since: null, until: null });
    expect(periodFilter("2026-03-01", "").until).toBeNull();
  });
});
