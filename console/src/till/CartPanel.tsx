// What is being bought: a line typed or scanned (SKU, quantity, shelf price), the lines with
// the member price the customer pays, and the totals.
import { useState, type FormEvent, type KeyboardEvent } from "react";
import type { CombinedError } from "urql";
import { Field } from "../ui/forms";
import { formatMoney, moneyText } from "../ui/format";
import { RequestError } from "../ui/RequestError";
import {
  MAX_LINES,
  MAX_QUANTITY,
  lineTotalMinor,
  readEntry,
  type CartLine,
  type EntryErrors,
  type LineEntry,
  type PricedCart,
} from "./cart";

type Contribution = PricedCart["lines"][number]["contributions"][number];
import { CONTROL, useTill } from "./context";
import { paymentsStarted } from "./sale";

const EMPTY: LineEntry = { sku: "", quantity: "1", unitPrice: "", discounted: false };

export function CartPanel({
  pricing,
  pricingError,
}: {
  pricing: boolean;
  pricingError: CombinedError | undefined;
}) {
  const { sale, priced, totals } = useTill();
  const locked = paymentsStarted(sale);
  return (
    <section className="card till-cart" aria-labelledby="till-cart-title">
      <div className="till-heading">
        <h2 id="till-cart-title">Cart</h2>
        <span className="hint">
          Order <span className="till-code">{sale.orderId}</span>
        </span>
      </div>
      {locked ? (
        <p className="till-note" role="status">
          Payments are on this order, so the cart is locked. To change it, cancel the sale.
        </p>
      ) : (
        <LineEntryForm />
      )}
      {sale.lines.length ? (
        <>
          <div className="table-scroll">
            <table className="till-lines">
              <caption className="visually-hidden">Lines of the sale</caption>
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col" className="num">
                    Quantity
                  </th>
                  <th scope="col" className="num till-shelf">
                    Price
                  </th>
                  <th scope="col" className="num">
                    Member price
                  </th>
                  <th scope="col" className="num">
                    Total
                  </th>
                  {locked ? null : (
                    <th scope="col">
                      <span className="visually-hidden">Remove</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {sale.lines.map((line, i) => (
                  <CartRow key={line.id} line={line} priced={priced?.lines[i]} locked={locked} />
                ))}
              </tbody>
            </table>
          </div>
          <dl className="till-sums till-cart-sums">
            <div>
              <dt>Subtotal</dt>
              <dd>{formatMoney(totals.shelfMinor)}</dd>
            </div>
            {totals.memberSavingsMinor ? (
              <div>
                <dt>Member prices</dt>
                <dd>−{formatMoney(totals.memberSavingsMinor)}</dd>
              </div>
            ) : null}
            {totals.cardSavingsMinor ? (
              <div>
                <dt>Cards and current discount</dt>
                <dd>−{formatMoney(totals.cardSavingsMinor)}</dd>
              </div>
            ) : null}
            <div className="till-total">
              <dt>Total</dt>
              <dd>{formatMoney(totals.totalMinor)}</dd>
            </div>
          </dl>
        </>
      ) : (
        <p className="hint">No lines yet: scan or type a product, its quantity and price.</p>
      )}
      {pricing ? (
        <p className="loading" role="status">
          Pricing for the customer…
        </p>
      ) : null}
      <RequestError error={pricingError} />
    </section>
  );
}

function LineEntryForm() {
  const { sale, dispatch, focus } = useTill();
  const [entry, setEntry] = useState<LineEntry>(EMPTY);
  const [errors, setErrors] = useState<EntryErrors>({});
  const full = sale.lines.length >= MAX_LINES;

  function add(event: FormEvent) {
    event.preventDefault();
    // A scanner sends the SKU then Enter: go on to the price rather than complain.
    if (entry.sku.trim() && !entry.unitPrice.trim()) {
      setErrors({});
      focus("till-price");
      return;
    }
    const read = readEntry(entry);
    if (read.errors) {
      setErrors(read.errors);
      const first = (["sku", "quantity", "unitPrice"] as const).find((f) => read.errors[f]);
      focus(first === "sku" ? CONTROL.sku : first === "quantity" ? "till-quantity" : "till-price");
      return;
    }
    dispatch({ type: "addLine", line: read.line });
    setEntry(EMPTY);
    setErrors({});
    focus(CONTROL.sku);
  }

  function clear(event: KeyboardEvent) {
    if (event.key !== "Escape") return;
    setEntry(EMPTY);
    setErrors({});
    focus(CONTROL.sku);
  }

  const set = (field: keyof LineEntry) => (value: string | boolean) =>
    setEntry((current) => ({ ...current, [field]: value }));
  return (
    <form className="till-entry" onSubmit={add} onKeyDown={clear} aria-label="Add a line" noValidate>
      <Field
        id={CONTROL.sku}
        label="Product (SKU)"
        value={entry.sku}
        onChange={(e) => set("sku")(e.target.value)}
        autoComplete="off"
        spellCheck={false}
        error={errors.sku}
        hint="Scan or type (F4 comes back here)."
      />
      <Field
        id="till-quantity"
        label="Quantity"
        inputMode="numeric"
        value={entry.quantity}
        onChange={(e) => set("quantity")(e.target.value)}
        autoComplete="off"
        error={errors.quantity}
      />
      <Field
        id="till-price"
        label="Unit price"
        inputMode="decimal"
        placeholder={moneyText(0)}
        value={entry.unitPrice}
        onChange={(e) => set("unitPrice")(e.target.value)}
        autoComplete="off"
        error={errors.unitPrice}
      />
      <div className="till-check">
        <label>
          <input
            type="checkbox"
            checked={entry.discounted}
            onChange={(e) => set("discounted")(e.target.checked)}
          />{" "}
          Already discounted
        </label>
      </div>
      <button type="submit" disabled={full}>
        Add line
      </button>
      {full ? <p className="hint">A sale holds at most {MAX_LINES} lines.</p> : null}
    </form>
  );
}

function CartRow({
  line,
  priced,
  locked,
}: {
  line: CartLine;
  priced: PricedCart["lines"][number] | undefined;
  locked: boolean;
}) {
  const { dispatch, focus } = useTill();
  const member = priced && priced.unitPriceMinor === line.unitPriceMinor ? priced : undefined;
  const lowered = member && member.memberUnitPriceMinor < line.unitPriceMinor;
  return (
    <tr>
      <td>
        <span className="till-code">{line.sku}</span>
        {line.discounted ? <span className="till-tag">discounted</span> : null}
        {member?.contributions.length ? (
          <LineContributions contributions={member.contributions} sku={line.sku} />
        ) : null}
      </td>
      <td className="num">
        {locked ? line.quantity : <LineQuantity line={line} />}
      </td>
      <td className="num till-shelf">
        {lowered ? <s>{formatMoney(line.unitPriceMinor)}</s> : formatMoney(line.unitPriceMinor)}
      </td>
      <td className="num">{member ? formatMoney(member.memberUnitPriceMinor) : "—"}</td>
      <td className="num">
        {member && member.cardDiscountMinor > 0 ? (
          <>
            <s className="till-shelf">{formatMoney(member.lineTotalMinor)}</s>{" "}
          </>
        ) : null}
        {formatMoney(member ? member.netTotalMinor : lineTotalMinor(line))}
      </td>
      {locked ? null : (
        <td>
          <button
            type="button"
            className="secondary till-remove"
            aria-label={`Remove ${line.sku}`}
            onClick={() => {
              dispatch({ type: "removeLine", id: line.id });
              focus(CONTROL.sku);
            }}
          >
            Remove
          </button>
        </td>
      )}
    </tr>
  );
}

const SOURCE_LABELS: Record<Contribution["source"], string> = {
  PRICE_RULE: "price rule",
  CARD: "card",
  CURRENT_DISCOUNT: "current discount",
};

/** What each source (price rule, card, current discount) takes off the line, as priced. */
function LineContributions({ contributions, sku }: { contributions: Contribution[]; sku: string }) {
  return (
    <ul className="till-contributions" aria-label={`Discounts on ${sku}`}>
      {contributions.map((c) => (
        <li key={`${c.source}-${c.sourceId}`} className="till-rule">
          {c.name} <span className="hint">({SOURCE_LABELS[c.source]})</span> −
          {formatMoney(c.amountMinor)}
        </li>
      ))}
    </ul>
  );
}

/** The quantity of a line, changed in place; what is not a quantity is not taken. */
function LineQuantity({ line }: { line: CartLine }) {
  const { dispatch } = useTill();
  const [text, setText] = useState(String(line.quantity));
  const valid = (value: string) =>
    /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= MAX_QUANTITY;
  return (
    <input
      className="till-qty"
      aria-label={`Quantity of ${line.sku}`}
      inputMode="numeric"
      value={text}
      aria-invalid={valid(text) ? undefined : true}
      onChange={(e) => {
        setText(e.target.value);
        if (valid(e.target.value.trim())) {
          dispatch({ type: "quantity", id: line.id, quantity: Number(e.target.value.trim()) });
        }
      }}
      onBlur={() => setText(String(line.quantity))}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          setText(String(line.quantity));
        }
      }}
    />
  );
}
