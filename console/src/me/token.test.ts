import { afterEach, describe, expect, it } from "vitest";
import { looksLikeJwt, newKey, storedToken, takeTokenFromUrl } from "./token";

const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c2lnbmF0dXJl";

afterEach(() => {
  sessionStorage.clear();
  window.history.replaceState(null, "", "/");
});

describe("the customer's token", () => {
  it("is taken from the fragment, stored, and removed from the address bar", () => {
    window.history.replaceState(null, "", `/console/me?x=1#token=${JWT}`);
    expect(takeTokenFromUrl()).toBe(JWT);
    expect(window.location.href).not.toContain(JWT);
    expect(window.location.pathname + window.location.search + window.location.hash).toBe("/console/me?x=1");
    expect(storedToken()).toBe(JWT);
    // a reload finds it stored
    expect(takeTokenFromUrl()).toBe(JWT);
  });

  it("keeps the rest of the fragment", () => {
    window.history.replaceState(null, "", `/console/me#token=${JWT}&tab=rewards`);
    takeTokenFromUrl();
    expect(window.location.hash).toBe("#tab=rewards");
  });

  it("leaves out what is not a JWT, but still clears it from the address", () => {
    window.history.replaceState(null, "", "/console/me#token=not a token");
    expect(takeTokenFromUrl()).toBeNull();
    expect(window.location.hash).toBe("");
  });

  it("tells a JWT's shape and makes distinct keys", () => {
    expect(looksLikeJwt(` ${JWT} `)).toBe(true);
    expect(looksLikeJwt("tes_abc")).toBe(false);
    expect(newKey()).toMatch(/^[0-9a-f]{32}$/);
    expect(newKey()).not.toBe(newKey());
  });
});
