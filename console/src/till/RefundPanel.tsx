// A refund of a recorded order: everything not refunded yet, or some of its lines. The
// points the refunded part earned go back, the points that paid for it come back.
import { useState, type FormEvent, type KeyboardEvent } from "react";
import { useClient, useMutation, type CombinedError } from "urql";
import {
  OrderPointsDocument,
  RefundPurchaseDocument,
  type OrderPointsQuery,
  type RefundPurchaseMutation,
} from "../generated/graphql";
import { errorFor, Field, FormErrors, type UserError } from "../ui/forms";
import { formatMoney, formatPoints } from "../ui/format";
import { RequestError } from "../ui/RequestError";
import { MAX_QUANTITY } from "./cart";
import { CONTROL, useTill } from "./context";

export type RefundStart = { orderId: string; lines: { sku: string; quantity: number }[] };

type Row = { sku: string; quantity: string; bought: number | null };
type Done = {
  payload: NonNullable<RefundPurchaseMutation["refundPurchase"]>;
  onOrder: OrderPointsQuery["orderPoints"] | undefined;
};

export function RefundPanel({ start, onClose }: { start: RefundStart; onClose: () => void }) {
  const client = useClient();
  const { keys } = useTill();
  const [orderId, setOrderId] = useState(start.orderId);
  const [whole, setWhole] = useState(true);
  const [rows, setRows] = useState<Row[]>(
    start.lines.length
      ? start.lines.map((line) => ({ sku: line.sku, quantity: "0", bought: line.quantity }))
      : [{ sku: "", quantity: "1", bought: null }],
  );
  const [rowErrors, setRowErrors] = useState<Record<number, string>>({});
  const [userErrors, setUserErrors] = useState<readonly UserError[]>([]);
  const [failure, setFailure] = useState<CombinedError | undefined>();
  const [done, setDone] = useState<Done | null>(null);
  const [refunding, refund] = useMutation(RefundPurchaseDocument);

  function chosenLines(): { sku: string; quantity: number }[] | null {
    const errors: Record<number, string> = {};
    const lines: { sku: string; quantity: number }[] = [];
    rows.forEach((row, i) => {
      const text = row.quantity.trim();
      const quantity = Number(text);
      if (!/^\d+$/.test(text) || quantity > (row.bought ?? MAX_QUANTITY)) {
        errors[i] = `A whole number from 0 to ${row.bought ?? MAX_QUANTITY}.`;
      } else if (quantity > 0 && !row.sku.trim()) {
        errors[i] = "Type the SKU of the line.";
      } else if (quantity > 0) {
        lines.push({ sku: row.sku.trim(), quantity });
      }
    });
    setRowErrors(errors);
    if (Object.keys(errors).length) return null;
    if (!lines.length) {
      setUserErrors([{ field: "lines", code: "REQUIRED", message: "Give a quantity to refund." }]);
      return null;
    }
    return lines;
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (refunding.fetching) return;
    setUserErrors([]);
    if (!orderId.trim()) {
      setUserErrors([{ field: "orderId", code: "REQUIRED", message: "Type the order number." }]);
      return;
    }
    const lines = whole ? null : chosenLines();
    if (!whole && !lines) return;
    const request = { orderId: orderId.trim(), lines };
    const result = await refund({
      input: { ...request, idempotencyKey: keys.keyFor("refund", request) },
    });
    if (!result.data) {
      // The refund may have been made: the same key on the retry returns it, never a second.
      setFailure(result.error);
      return;
    }
    keys.settled("refund");
    setFailure(undefined);
    const payload = result.data.refundPurchase;
    if (payload.userErrors.length || !payload.refund) {
      setUserErrors(payload.userErrors);
      return;
    }
    const printed = await client
      .query(OrderPointsDocument, { orderId: request.orderId }, { requestPolicy: "network-only" })
      .toPromise();
    setDone({ payload, onOrder: printed.data?.orderPoints });
  }

  function escape(event: KeyboardEvent) {
    if (event.key === "Escape") onClose();
  }

  const setRow = (i: number, change: Partial<Row>) =>
    setRows((current) => current.map((row, j) => (j === i ? { ...row, ...change } : row)));
  return (
    <section className="card till-refund" aria-labelledby="till-refund-title" onKeyDown={escape}>
      <h2 id="till-refund-title">Refund</h2>
      {done ? (
        <RefundDone done={done} />
      ) : (
        <form onSubmit={submit} aria-label="Refund an order" noValidate>
          <Field
            id={CONTROL.refundOrder}
            label="Order number"
            value={orderId}
            onChange={(e) => setOrderId(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            error={errorFor(userErrors, "orderId")}
          />
          <fieldset className="till-choice">
            <legend>What comes back</legend>
            <label>
              <input type="radio" name="till-refund-what" checked={whole} onChange={() => setWhole(true)} />{" "}
              Everything not refunded yet
            </label>
            <label>
              <input type="radio" name="till-refund-what" checked={!whole} onChange={() => setWhole(false)} />{" "}
              Some lines
            </label>
          </fieldset>
          {whole ? null : (
            <div className="table-scroll">
              <table className="till-lines">
                <caption className="visually-hidden">Lines to refund</caption>
                <thead>
                  <tr>
                    <th scope="col">Product (SKU)</th>
                    <th scope="col" className="num">
                      Quantity to refund
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row, i) => (
                    <tr key={i}>
                      <td>
                        {row.bought !== null ? (
                          <span className="till-code">{row.sku}</span>
                        ) : (
                          <input
                            aria-label={`SKU of line ${i + 1}`}
                            value={row.sku}
                            onChange={(e) => setRow(i, { sku: e.target.value })}
                            autoComplete="off"
                          />
                        )}
                      </td>
                      <td className="num">
                        <input
                          className="till-qty"
                          inputMode="numeric"
                          aria-label={`Quantity of ${row.sku || `line ${i + 1}`} to refund`}
                          aria-invalid={rowErrors[i] ? true : undefined}
                          value={row.quantity}
                          onChange={(e) => setRow(i, { quantity: e.target.value })}
                        />
                        {row.bought !== null ? <small className="hint"> of {row.bought}</small> : null}
                        {rowErrors[i] ? (
                          <small className="error" role="alert">
                            {" "}
                            {rowErrors[i]}
                          </small>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {start.lines.length ? null : (
                <button
                  type="button"
                  className="secondary"
                  onClick={() => setRows((current) => [...current, { sku: "", quantity: "1", bought: null }])}
                >
                  Add a line
                </button>
              )}
            </div>
          )}
          <FormErrors errors={userErrors} fields={["orderId"]} />
          {failure ? (
            <>
              <RequestError error={failure} />
              <p className="hint">Refund again: an order is never refunded twice for one request.</p>
            </>
          ) : null}
          <div className="till-buttons">
            <button type="submit" className="danger">
              {refunding.fetching ? "Refunding…" : "Refund"}
            </button>
            <button type="button" className="secondary" onClick={onClose}>
              Close
            </button>
          </div>
        </form>
      )}
      {done ? (
        <div className="till-buttons">
          <button type="button" className="secondary" onClick={onClose} autoFocus>
            Close
          </button>
        </div>
      ) : null}
    </section>
  );
}

function RefundDone({ done }: { done: Done }) {
  const refund = done.payload.refund;
  if (!refund) return null;
  const inMoney = refund.amountMinor - refund.valueReturnedMinor;
  return (
    <div role="status" className="till-refunded">
      <p className="ok">
        Order <span className="till-code">{done.payload.purchase?.orderId}</span> refunded
        {done.payload.replayed ? " (it had been refunded already: nothing was taken twice)" : ""}.
      </p>
      <dl className="till-sums">
        <div>
          <dt>Lines refunded</dt>
          <dd>{formatMoney(refund.amountMinor)}</dd>
        </div>
        <div>
          <dt>Given back as points</dt>
          <dd>
            {formatPoints(refund.pointsReturned)} points ({formatMoney(refund.valueReturnedMinor)})
          </dd>
        </div>
        <div>
          <dt>Earned points taken back</dt>
          <dd>{formatPoints(refund.pointsTaken)}</dd>
        </div>
        {refund.pointsUncollected ? (
          <div>
            <dt>Not taken back (already spent)</dt>
            <dd>{formatPoints(refund.pointsUncollected)}</dd>
          </div>
        ) : null}
        {done.payload.points ? (
          <div>
            <dt>Balance now</dt>
            <dd>{formatPoints(done.payload.points.balance)}</dd>
          </div>
        ) : null}
      </dl>
      <p className="hint">
        The rest of the lines' value, {formatMoney(inMoney)}, is the shop's to give back in money,
        less what vouchers took off them.
      </p>
      {done.onOrder ? (
        <p className="hint">
          On the order now: {formatPoints(done.onOrder.pointsEarned)} points earned,{" "}
          {formatPoints(done.onOrder.pointsUsed)} used.
        </p>
      ) : null}
    </div>
  );
}
