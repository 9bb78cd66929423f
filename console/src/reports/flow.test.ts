import { describe, expect, it } from "vitest";
import { flowSeries, flowSummary, type Bucket } from "./flow";

const bucket = (startsAt: string, b: Partial<Bucket>): Bucket => ({
  startsAt,
  endsAt: startsAt,
  earned: 0,
  takenBack: 0,
  spent: 0,
  expired: 0,
  other: 0,
  net: 0,
  operations: 0,
  averagePoints: null,
  ...b,
});

describe("the flow chart", () => {
  const buckets = [
    bucket("2026-05-01T00:00:00Z", { earned: 300, spent: 120, takenBack: 50, other: -20, operations: 4 }),
    bucket("2026-05-02T00:00:00Z", { earned: 10, expired: 5, operations: 2 }),
  ];

  it("draws credits above zero and debits below", () => {
    const series = Object.fromEntries(flowSeries(buckets).map((s) => [s.key, s.values]));
    expect(series).toEqual({
      earned: [300, 10],
      other: [-20, 0],
      takenBack: [-50, 0],
      spent: [-120, 0],
      expired: [0, -5],
    });
  });

  it("says its message in one sentence", () => {
    const summary = flowSummary(buckets, "DAY");
    expect(summary).toContain("over 2 days");
    expect(summary).toContain("310 points earned, 175 spent, taken back or expired");
    expect(summary).toMatch(/busiest day .* with 4 operations/);
  });
});
