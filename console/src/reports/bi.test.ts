import { describe, expect, it } from "vitest";
import { cohortLabel, percent, retentionSeries, roiPercent, roiSummary, shopChannel } from "./bi";

describe("BI words", () => {
  it("writes shares and the ROI as percentages", () => {
    expect(percent("0.2500")).toBe("25%");
    expect(percent("0.6667")).toBe("66.7%");
    expect(percent(null)).toBe("—");
    expect(roiPercent("8.8765")).toBe("+887.65%");
    expect(roiPercent("-0.5000")).toBe("-50.00%");
    expect(roiPercent(null)).toBe("—");
  });

  it("names cohorts by their month in UTC, whatever the browser's zone", () => {
    expect(cohortLabel("2026-05-01T00:00:00+00:00")).toMatch(/May.*2026/);
  });

  it("draws months 1, 3 and 6, with a gap where a month has not come", () => {
    const cohorts = [
      { months: [{ month: 0, retention: "1" }, { month: 1, retention: "0.5000" }, { month: 3, retention: "0.2500" }] },
      { months: [{ month: 0, retention: "1" }] },
    ];
    expect(retentionSeries(cohorts)).toEqual([
      { month: 1, values: [50, null] },
      { month: 3, values: [25, null] },
      { month: 6, values: [null, null] },
    ]);
  });

  it("says the ROI chart in one sentence, and names rows", () => {
    const money = (m: number) => `€${m / 100}`;
    expect(roiSummary(20000, 1215, "8.8765", money)).toBe(
      "Member revenue €200 against a program cost of €12.15: an ROI of +887.65%",
    );
    expect(roiSummary(0, 0, null, money)).toContain("no cost, so no ROI");
    expect(shopChannel("C", "")).toBe("C · unreported order");
    expect(shopChannel(null, null)).toBe("All shops · all channels");
  });
});
