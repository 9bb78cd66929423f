import { describe, expect, it } from "vitest";
import { keyFor, randomKey } from "./submissionKey";

describe("keyFor", () => {
  let n = 0;
  const make = () => `k${++n}`;

  it("keeps the key while the same values are submitted again", () => {
    const first = keyFor(null, { points: 50, note: "x" }, make);
    const retry = keyFor(first, { points: 50, note: "x" }, make);
    expect(retry.key).toBe(first.key);
  });
  it("makes a new key when the values change", () => {
    const first = keyFor(null, { points: 50, note: "x" }, make);
    const changed = keyFor(first, { points: 60, note: "x" }, make);
    expect(changed.key).not.toBe(first.key);
  });
  it("makes a new key after a submission went through (no previous key)", () => {
    const first = keyFor(null, { points: 50, note: "x" }, make);
    expect(keyFor(null, { points: 50, note: "x" }, make).key).not.toBe(first.key);
  });
});

describe("randomKey", () => {
  it("is 32 hex characters, different each time", () => {
    const a = randomKey();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(randomKey()).not.toBe(a);
  });
});
