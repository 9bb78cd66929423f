import { describe, expect, it } from "vitest";
import { actorLabel } from "../ui/actors";
import { customerName, signedPoints } from "./labels";

describe("customerName", () => {
  it("is the name, else the email, else the card, else the id", () => {
    expect(customerName({ id: "1", firstName: "Ann", lastName: "Lee" })).toBe("Ann Lee");
    expect(customerName({ id: "1", firstName: null, lastName: null, email: "a@b.c" })).toBe("a@b.c");
    expect(customerName({ id: "1", firstName: null, lastName: null, cardCode: "C9" })).toBe("Card C9");
    expect(customerName({ id: "7", firstName: null, lastName: null })).toBe("Customer 7");
  });
});

describe("signedPoints and actorLabel", () => {
  it("shows the sign of a movement", () => {
    expect(signedPoints(50)).toBe("+50");
    expect(signedPoints(-20)).toBe("−20");
    expect(signedPoints(0)).toBe("0");
  });
  it("names staff by their token's name or their email", () => {
    expect(actorLabel("staff:3:anna")).toBe("anna");
    expect(actorLabel("user:4:manager@shop.example")).toBe("manager@shop.example");
    expect(actorLabel("user:4:a:b@shop.example")).toBe("a:b@shop.example");
    expect(actorLabel("customer:web-7")).toBe("the customer");
    expect(actorLabel("system")).toBe("system");
  });
});
