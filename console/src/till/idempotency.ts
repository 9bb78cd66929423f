// Idempotency keys of the till's writes. A key is made the first time a write is tried and
// kept while the same write is tried again (a timeout, a dropped connection: the server may
// have done it), so the retry returns the first result instead of paying twice; it is
// dropped once the server has answered, so the next write of that kind gets a new key.
// A different request (another code, another amount) gets a new key: reusing one for other
// terms would be refused as an IDEMPOTENCY_CONFLICT.

export type KeySlot = "voucher" | "points" | "hold" | "refund" | "issueCard" | "replaceCard";

type Pending = { request: string; key: string };

export class IdempotencyKeys {
  private readonly pending = new Map<KeySlot, Pending>();

  constructor(private readonly makeKey: () => string = () => crypto.randomUUID()) {}

  /** The key for this request: the one kept from a failed try of the same request, or new. */
  keyFor(slot: KeySlot, request: unknown): string {
    const text = JSON.stringify(request);
    const kept = this.pending.get(slot);
    if (kept && kept.request === text) return kept.key;
    const key = `till-${slot}-${this.makeKey()}`;
    this.pending.set(slot, { request: text, key });
    return key;
  }

  /** The server answered (done, replayed or refused with userErrors): forget the key. */
  settled(slot: KeySlot): void {
    this.pending.delete(slot);
  }
}
