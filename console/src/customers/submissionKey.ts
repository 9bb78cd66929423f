// The idempotency key of a form's submission. The key is made when the form is submitted and
// kept while the same values are sent again (a retry after a timeout or a lost connection is
// then the same request to the server, which applies it once); values changed, or a
// submission that went through, start a new key.

export type SubmissionKey = { signature: string; key: string };

/** A random key (hex), without crypto.randomUUID: that one needs a secure context. */
export function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The key for submitting `values`: the previous one when it was made for the same values. */
export function keyFor(
  previous: SubmissionKey | null,
  values: unknown,
  make: () => string = randomKey,
): SubmissionKey {
  const signature = JSON.stringify(values);
  if (previous && previous.signature === signature) return previous;
  return { signature, key: make() };
}
