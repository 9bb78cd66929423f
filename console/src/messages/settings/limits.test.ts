import { describe, expect, it } from "vitest";
import { formField, limitsForm, limitsInput } from "./limits";

const none = { defaultTimeZone: null, quietHours: null, channels: [], updatedAt: null, updatedBy: null };

describe("limitsInput", () => {
  it("leaves out channels with neither a cap nor hours of their own", () => {
    const form = limitsForm(none);
    form.channels[1].capOn = true;
    form.channels[1].maxMessages = "3";
    form.channels[1].period = "7";
    form.hours = { on: true, start: "21:00", end: "09:00" };
    form.defaultTimeZone = " Europe/Rome ";
    const built = limitsInput(form);
    expect(built.input).toEqual({
      defaultTimeZone: "Europe/Rome",
      quietHours: { start: "21:00", end: "09:00" },
      channels: [{ channel: "SMS", cap: { maxMessages: 3, period: 7, unit: "DAYS" }, quietHours: null }],
    });
    expect(built.sent).toEqual(["SMS"]);
    expect(built.errors).toEqual([]);
  });
  it("refuses what is not a whole number before asking the server", () => {
    const form = limitsForm(none);
    form.channels[0].capOn = true;
    form.channels[0].maxMessages = "three";
    expect(limitsInput(form).errors.map((e) => e.field)).toEqual(["EMAIL.cap.maxMessages"]);
  });
});

describe("formField", () => {
  it("names the server's channel index by the channel sent there", () => {
    expect(formField("channels.0.cap.maxMessages", ["SMS"])).toBe("SMS.cap.maxMessages");
    expect(formField("channels.1.quietHours.end", ["EMAIL", "SMS"])).toBe("SMS.quietHours.end");
    expect(formField("quietHours.start", ["EMAIL"])).toBe("quietHours.start");
  });
});

describe("limitsForm", () => {
  it("reads the saved limits, both channels always", () => {
    const form = limitsForm({
      ...none,
      channels: [
        {
          channel: "EMAIL",
          cap: { maxMessages: 2, period: 24, unit: "HOURS" },
          quietHours: { start: "22:00", end: "08:00" },
          effectiveQuietHours: null,
        },
      ],
    });
    expect(form.channels.map((c) => [c.channel, c.capOn, c.maxMessages, c.unit, c.hours.on])).toEqual([
      ["EMAIL", true, "2", "HOURS", true],
      ["SMS", false, "3", "DAYS", false],
    ]);
  });
});
