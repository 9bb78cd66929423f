import { describe, expect, it } from "vitest";
import type { UserError } from "../ui/forms";
import { EVENT_TYPES, eventLabel, parseStatusMap, statusMapText } from "./labels";

describe("the status mapping as typed", () => {
  it("reads one mapping per line, whatever the case and spaces", () => {
    const problems: UserError[] = [];
    expect(parseStatusMap("on-hold = paid\n\n  BILL_VALIDATE=PAID ", problems)).toEqual([
      { platformStatus: "on-hold", mapsTo: "PAID" },
      { platformStatus: "BILL_VALIDATE", mapsTo: "PAID" },
    ]);
    expect(problems).toEqual([]);
  });

  it("names each line that is not a mapping", () => {
    const problems: UserError[] = [];
    expect(parseStatusMap("on-hold = SHIPPED\n= PAID\na = b = c", problems)).toEqual([]);
    expect(problems.map((p) => p.message.split(":")[0])).toEqual(["Line 1", "Line 2", "Line 3"]);
  });

  it("shows a mapping compactly", () => {
    expect(statusMapText([{ platformStatus: "on-hold", mapsTo: "PAID" }])).toBe("on-hold → PAID");
  });
});

describe("the webhook events", () => {
  it("are named in words", () => {
    expect(eventLabel("CARD_STATUS_CHANGED")).toBe("Card status changed");
  });

  it("are listed once each", () => {
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
  });
});
