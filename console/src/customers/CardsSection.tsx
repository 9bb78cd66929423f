// The customer's cards: every card it holds or held, primary first, with its type and
// status (the till's card page blocks, replaces and prints them).
import type { Customer } from "./CustomerPage";
import { cardStatusLabel, cardTypeLabel } from "../ui/cards";
import { formatDate } from "../ui/format";

export function CardsSection({ cards }: { cards: Customer["cards"] }) {
  return (
    <section className="card" aria-labelledby="cards-heading">
      <h2 id="cards-heading">Cards</h2>
      {cards.length === 0 ? (
        <p className="hint">No card yet.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">The customer's cards</caption>
            <thead>
              <tr>
                <th scope="col">Code</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Issued</th>
              </tr>
            </thead>
            <tbody>
              {cards.map((card) => (
                <tr key={card.id}>
                  <td>
                    {card.code}
                    {card.isPrimary ? <span className="badge"> primary</span> : null}
                  </td>
                  <td>{cardTypeLabel(card.type)}</td>
                  <td>
                    {cardStatusLabel(card.status)}
                    {card.status !== "ACTIVE" && card.statusChangedAt
                      ? ` since ${formatDate(card.statusChangedAt)}`
                      : ""}
                    {card.statusReason ? <small className="hint"> ({card.statusReason})</small> : null}
                  </td>
                  <td>{formatDate(card.issuedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
