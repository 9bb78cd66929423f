import { describe, expect, it } from "vitest";
import { duration, outcome, percentDone, type ImportJob } from "./importLabels";

describe("an import job's progress", () => {
  it("counts rows checked of rows expected, then rows loaded of rows checked", () => {
    expect(percentDone({ status: "QUEUED", rowsExpected: 10, rowsChecked: 0, rowsLoaded: 0 })).toBe(0);
    expect(percentDone({ status: "STAGING", rowsExpected: 200, rowsChecked: 50, rowsLoaded: 0 })).toBe(25);
    expect(percentDone({ status: "STAGING", rowsExpected: null, rowsChecked: 50, rowsLoaded: 0 })).toBe(0);
    expect(percentDone({ status: "LOADING", rowsExpected: 210, rowsChecked: 200, rowsLoaded: 150 })).toBe(75);
    expect(percentDone({ status: "STAGING", rowsExpected: 10, rowsChecked: 12, rowsLoaded: 0 })).toBe(100);
  });

  it("is full once done or checked, and has no bar once rejected or failed", () => {
    expect(percentDone({ status: "DONE", rowsExpected: 3, rowsChecked: 3, rowsLoaded: 3 })).toBe(100);
    expect(percentDone({ status: "CHECKED", rowsExpected: 3, rowsChecked: 3, rowsLoaded: 0 })).toBe(100);
    expect(percentDone({ status: "REJECTED", rowsExpected: 3, rowsChecked: 3, rowsLoaded: 0 })).toBeNull();
    expect(percentDone({ status: "FAILED", rowsExpected: 3, rowsChecked: 0, rowsLoaded: 0 })).toBeNull();
  });

  it("says the time left in seconds, minutes or hours", () => {
    expect(duration(45)).toBe("45 s");
    expect(duration(125)).toBe("2 min 5 s");
    expect(duration(3_700)).toBe("1 h 1 min");
  });
});

describe("what a finished import did", () => {
  const done = (changes: Partial<ImportJob>): ImportJob =>
    ({
      kind: "CUSTOMERS",
      status: "DONE",
      dryRun: false,
      earn: false,
      rowsLoaded: 3,
      rowsChecked: 3,
      rowsRejected: 0,
      customersCreated: 3,
      balancesOpened: 2,
      pointsOpened: 150,
      purchasesCreated: 0,
      purchasesSkipped: 0,
      pointsEarned: 0,
      ...changes,
    }) as ImportJob;

  it("counts customers and openings, or purchases and the points they earned", () => {
    expect(outcome(done({}))).toBe("3 rows: 3 customers created, 2 opening balances (150 points).");
    expect(outcome(done({ kind: "PURCHASES", rowsLoaded: 5, purchasesCreated: 2, purchasesSkipped: 1 }))).toBe(
      "5 lines: 2 purchases created, 1 already in Tessera (history only, no points).",
    );
    expect(outcome(done({ kind: "PURCHASES", earn: true, rowsLoaded: 5, purchasesCreated: 3, pointsEarned: 1200 }))).toBe(
      "5 lines: 3 purchases created, 0 already in Tessera, 1,200 points earned.",
    );
  });

  it("says how many rows were not loaded because their customer went away meanwhile", () => {
    expect(outcome(done({ rowsLoaded: 2, rowsRejected: 1, customersCreated: 0, balancesOpened: 2 }))).toBe(
      "2 rows: 0 customers created, 2 opening balances (150 points). 1 not loaded: their customer was erased or changed reference while the file loaded.",
    );
  });
});
