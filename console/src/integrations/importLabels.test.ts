import { describe, expect, it } from "vitest";
import { duration, percentDone } from "./importLabels";

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
