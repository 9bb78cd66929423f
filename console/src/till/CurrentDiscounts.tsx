// The customer's current discounts on the till's card page: what each sale of a
// CURRENT_DISCOUNT card's holder gave off the next purchase, and whether it is still open
// (the till applies the open one expiring first by itself), used, cancelled by a refund of
// the sale that gave it, or expired.
import type { CustomerCardsQuery } from "../generated/graphql";
import { formatDate, formatMoney } from "../ui/format";

type Discount = CustomerCardsQuery["currentDiscounts"][number];
type Card = NonNullable<CustomerCardsQuery["customer"]>["cards"][number];

export function CurrentDiscounts({
  discounts,
  cards,
  now = new Date(),
}: {
  discounts: readonly Discount[];
  cards: readonly Card[];
  now?: Date;
}) {
  if (!discounts.length) return null;
  const codes = new Map(cards.map((c) => [c.id, c.code]));
  return (
    <div className="table-scroll">
      <h3 id="till-current-discounts">Current discounts</h3>
      <table aria-labelledby="till-current-discounts">
        <thead>
          <tr>
            <th scope="col">Discount</th>
            <th scope="col">From the sale of</th>
            <th scope="col">Card</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {discounts.map((d) => (
            <tr key={d.id}>
              <td>{discountValue(d)}</td>
              <td>
                {formatMoney(d.basisMinor)} on {formatDate(d.issuedAt)}
              </td>
              <td className="till-code">{codes.get(d.cardId) ?? d.cardId}</td>
              <td>{discountStatus(d, now)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function discountValue(d: Pick<Discount, "amountOffMinor" | "percentBp">): string {
  if (d.amountOffMinor !== null) return `${formatMoney(d.amountOffMinor)} off`;
  if (d.percentBp !== null) return `${d.percentBp / 100}% off`;
  return "";
}

export function discountStatus(
  d: Pick<Discount, "usedAt" | "cancelledAt" | "expiresAt">,
  now: Date,
): string {
  if (d.usedAt) return `Used ${formatDate(d.usedAt)}`;
  if (d.cancelledAt) return `Cancelled ${formatDate(d.cancelledAt)} (its sale was refunded)`;
  if (new Date(d.expiresAt) <= now) return `Expired ${formatDate(d.expiresAt)}`;
  return `Open until ${formatDate(d.expiresAt)}`;
}
