import { describe, expect, it } from "vitest";
import { CombinedError } from "urql";
import { rateLimitWait } from "./TestSend";

describe("rateLimitWait", () => {
  it("reads the wait a RATE_LIMITED refusal asks for", () => {
    const refused = new CombinedError({
      graphQLErrors: [{ message: "Too many test messages", extensions: { code: "RATE_LIMITED", retryAfter: 1200 } }],
    });
    expect(rateLimitWait(refused)).toBe(1200);
  });
  it("is null for any other failure, and for none", () => {
    const forbidden = new CombinedError({ graphQLErrors: [{ message: "No", extensions: { code: "FORBIDDEN" } }] });
    expect(rateLimitWait(forbidden)).toBeNull();
    expect(rateLimitWait(undefined)).toBeNull();
  });
});
