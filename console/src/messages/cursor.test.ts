import { describe, expect, it } from "vitest";
import { insertAt } from "./cursor";

describe("insertAt", () => {
  it("writes the snippet at the caret and puts the caret after it", () => {
    expect(insertAt("You have  points", 9, 9, "[points]")).toEqual({
      value: "You have [points] points",
      caret: 17,
    });
  });
  it("replaces the selection", () => {
    expect(insertAt("Hi NAME!", 3, 7, "[first_name]")).toEqual({ value: "Hi [first_name]!", caret: 15 });
  });
  it("reads a backwards selection forwards and clamps it to the text", () => {
    expect(insertAt("Hi NAME!", 7, 3, "[x]").value).toBe("Hi [x]!");
    expect(insertAt("abc", -5, 99, "[x]")).toEqual({ value: "[x]", caret: 3 });
  });
  it("appends when the position is unknown", () => {
    expect(insertAt("abc", NaN, NaN, "[x]")).toEqual({ value: "abc[x]", caret: 6 });
  });
});
