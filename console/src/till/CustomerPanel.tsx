// Who is buying: the card field a barcode scanner types into (then presses Enter), and the
// customer it finds with their points and badges. Any of the customer's active cards finds
// them, and the till says which card was read; a blocked, lost or replaced card is refused
// with its reason (never accepted), and its holder's cards can be opened to replace it.
import { useState, type FormEvent, type KeyboardEvent } from "react";
import { useClient, type CombinedError } from "urql";
import { CardLookupDocument } from "../generated/graphql";
import { Field } from "../ui/forms";
import { cardTypeLabel } from "../ui/cards";
import { formatPoints } from "../ui/format";
import { RequestError } from "../ui/RequestError";
import { CONTROL, useTill } from "./context";
import { paymentsStarted, type TillCard, type TillCustomer } from "./sale";

type Lookup =
  | { state: "idle" }
  | { state: "looking" }
  | { state: "empty" }
  | { state: "unknown"; code: string }
  | { state: "busy" }
  | { state: "refused"; message: string; holder: { id: string; name: string } | null }
  | { state: "failed"; error: CombinedError };

/** Opens the card page of a customer (the till's CardsPanel). */
export type OpenCards = (customer: { id: string; name: string }) => void;

export function customerName(customer: Pick<TillCustomer, "firstName" | "lastName">): string {
  const name = [customer.firstName, customer.lastName].filter(Boolean).join(" ");
  return name || "Customer without a name";
}

export function CustomerPanel({ onOpenCards }: { onOpenCards: OpenCards }) {
  const { sale } = useTill();
  return (
    <section className="card till-customer" aria-labelledby="till-customer-title">
      <h2 id="till-customer-title">Customer</h2>
      <CardLookup onOpenCards={onOpenCards} />
      {sale.customer ? (
        <CustomerDetails customer={sale.customer} card={sale.card} onOpenCards={onOpenCards} />
      ) : (
        <p className="hint">Scan the card to see the customer's points, badges and member prices.</p>
      )}
    </section>
  );
}

function CardLookup({ onOpenCards }: { onOpenCards: OpenCards }) {
  const client = useClient();
  const { sale, dispatch, focus } = useTill();
  const [code, setCode] = useState("");
  const [lookup, setLookup] = useState<Lookup>({ state: "idle" });

  async function find(event: FormEvent) {
    event.preventDefault();
    // Buttons stay enabled while busy (a disabled button drops the keyboard's focus).
    if (lookup.state === "looking") return;
    const typed = code.trim();
    if (!typed) {
      setLookup({ state: "empty" });
      return;
    }
    setLookup({ state: "looking" });
    const result = await client
      .query(CardLookupDocument, { code: typed }, { requestPolicy: "network-only" })
      .toPromise();
    if (result.error) {
      setLookup({ state: "failed", error: result.error });
      return;
    }
    const read = result.data?.cardLookup;
    const found = read?.customer;
    if (!read || !found) {
      setLookup({ state: "unknown", code: typed });
      focus(CONTROL.card);
      return;
    }
    if (read.refusal) {
      const holder = { id: found.id, name: customerName(found) };
      setLookup({ state: "refused", message: read.refusal.message, holder });
      focus(CONTROL.card);
      return;
    }
    if (paymentsStarted(sale) && found.id !== sale.customer?.id) {
      setLookup({ state: "busy" });
      return;
    }
    dispatch({ type: "customer", customer: found, card: read.card });
    setCode("");
    setLookup({ state: "idle" });
    focus(CONTROL.sku);
  }

  function clear(event: KeyboardEvent) {
    if (event.key !== "Escape") return;
    setCode("");
    setLookup({ state: "idle" });
  }

  const error =
    lookup.state === "unknown"
      ? `No customer holds the card “${lookup.code}”. Check the code, or register the customer in the back office.`
      : lookup.state === "empty"
        ? "Scan the card or type its code."
        : lookup.state === "busy"
          ? "Points or a voucher are already used on this sale: record it or cancel it before the next card."
          : lookup.state === "refused"
            ? `Card refused: ${lookup.message}`
            : undefined;
  return (
    <form className="till-card-form" onSubmit={find} aria-label="Find the customer by card">
      <Field
        id={CONTROL.card}
        label="Card code"
        value={code}
        onChange={(e) => setCode(e.target.value)}
        onKeyDown={clear}
        autoComplete="off"
        spellCheck={false}
        autoFocus
        error={error}
        hint="Scan or type, then Enter (F2 comes back here)."
      />
      <button type="submit">
        {lookup.state === "looking" ? "Finding…" : "Find"}
      </button>
      {lookup.state === "failed" ? <RequestError error={lookup.error} /> : null}
      {lookup.state === "refused" && lookup.holder ? (
        <button
          type="button"
          className="secondary"
          onClick={() => lookup.holder && onOpenCards(lookup.holder)}
        >
          {`${lookup.holder.name}'s cards…`}
        </button>
      ) : null}
    </form>
  );
}

function CustomerDetails({
  customer,
  card,
  onOpenCards,
}: {
  customer: TillCustomer;
  card: TillCard | null;
  onOpenCards: OpenCards;
}) {
  const { unlocked, next } = customer.badges;
  const upcoming = next[0];
  const read = card ?? null;
  return (
    <div className="till-who" aria-live="polite">
      <p className="till-name">{customerName(customer)}</p>
      <p className="till-meta">
        Card read <span className="till-code">{read?.code ?? customer.cardCode}</span>
        {read ? <> ({cardTypeLabel(read.type)}{read.isPrimary ? ", primary" : ""})</> : null} ·{" "}
        <span className="badge">{customer.category.name}</span>{" "}
        <button
          type="button"
          className="secondary"
          onClick={() => onOpenCards({ id: customer.id, name: customerName(customer) })}
        >
          Cards…
        </button>
      </p>
      <dl className="till-points">
        <div>
          <dt>Spendable</dt>
          <dd>{formatPoints(customer.points.spendable)}</dd>
        </div>
        <div>
          <dt>Held</dt>
          <dd>{formatPoints(customer.points.held)}</dd>
        </div>
        <div>
          <dt>Balance</dt>
          <dd>{formatPoints(customer.points.balance)}</dd>
        </div>
      </dl>
      <div className="till-badges">
        <span className="till-label">Badges</span>
        {unlocked.length ? (
          <ul aria-label="Badges unlocked">
            {unlocked.map(({ badge }) => (
              <li key={badge.id} className="badge till-badge">
                {badge.title}
              </li>
            ))}
          </ul>
        ) : (
          <span className="hint">none yet</span>
        )}
        {upcoming ? (
          <span className="hint">
            {upcoming.badge.title} in {formatPoints(upcoming.pointsNeeded)} points
          </span>
        ) : null}
      </div>
    </div>
  );
}
