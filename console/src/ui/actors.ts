// Who did something, for people. The API records actors as the ledger and the audit trails
// keep them: a staff token `staff:<token id>:<name>`, a signed-in user `user:<user id>:<email>`,
// a customer's own app `customer:<external ref>`, `funnel`, `system`, ...

/** staff:3:till-1 is till-1; user:4:ann@shop.example is ann@shop.example; customer:web-7 the
 * customer; funnel a funnel; anything else as it is. */
export function actorLabel(actor: string): string {
  const staff = /^(?:staff|user):\d+:(.+)$/.exec(actor);
  if (staff) return staff[1];
  if (actor.startsWith("customer:")) return "the customer";
  if (actor === "funnel") return "a funnel";
  return actor;
}
