// Who is buying: the card field a barcode scanner types into (then presses Enter), and the
// customer it finds with their points and badges.
import { useState, type FormEvent, type KeyboardEvent } from "react";
import { useClient, type CombinedError } from "urql";
import { LookupByCardDocument } from "../generated/graphql";
import { Field } from "../ui/forms";
import { formatPoints } from "../ui/format";
import { RequestError } from "../ui/RequestError";
import { CONTROL, useTill } from "./context";
import { paymentsStarted, type TillCustomer } from "./sale";

type Lookup =
  | { state: "idle" }
  | { state: "looking" }
  | { state: "empty" }
  | { state: "unknown"; code: string }
  | { state: "busy" }
  | { state: "failed"; error: CombinedError };

export function customerName(customer: Pick<TillCustomer, "firstName" | "lastName">): string {
  const name = [customer.firstName, customer.lastName].filter(Boolean).join(" ");
  return name || "Customer without a name";
}

export function CustomerPanel() {
  const { sale } = useTill();
  return (
    <section className="card till-customer" aria-labelledby="till-customer-title">
      <h2 id="till-customer-title">Customer</h2>
      <CardLookup />
      {sale.customer ? (
        <CustomerDetails customer={sale.customer} />
      ) : (
        <p className="hint">Scan the card to see the customer's points, badges and member prices.</p>
      )}
    </section>
  );
}

function CardLookup() {
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
      .query(LookupByCardDocument, { code: typed }, { requestPolicy: "network-only" })
      .toPromise();
    if (result.error) {
      setLookup({ state: "failed", error: result.error });
      return;
    }
    const found = result.data?.customerByCard;
    if (!found) {
      setLookup({ state: "unknown", code: typed });
      focus(CONTROL.card);
      return;
    }
    if (paymentsStarted(sale) && found.id !== sale.customer?.id) {
      setLookup({ state: "busy" });
      return;
    }
    dispatch({ type: "customer", customer: found });
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
    </form>
  );
}

function CustomerDetails({ customer }: { customer: TillCustomer }) {
  const { unlocked, next } = customer.badges;
  const upcoming = next[0];
  return (
    <div className="till-who" aria-live="polite">
      <p className="till-name">{customerName(customer)}</p>
      <p className="till-meta">
        Card <span className="till-code">{customer.cardCode}</span> ·{" "}
        <span className="badge">{customer.category.name}</span>
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
