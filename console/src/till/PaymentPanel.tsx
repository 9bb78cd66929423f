// Paying: what is due, vouchers and points on the order, then the sale recorded (or cancelled,
// giving back what can be given back).
import { useState, type KeyboardEvent } from "react";
import { useClient, useMutation, type CombinedError } from "urql";
import {
  CancelRedemptionDocument,
  CancelVoucherRedemptionDocument,
  OrderPointsDocument,
  RecordPurchaseDocument,
  ReleaseHoldDocument,
} from "../generated/graphql";
import { useSession } from "../app/session";
import { FormErrors, type UserError } from "../ui/forms";
import { formatMoney, formatPoints } from "../ui/format";
import { RequestError } from "../ui/RequestError";
import { saleLines } from "./cart";
import { CONTROL, useTill } from "./context";
import { PointsPayment } from "./PointsPayment";
import type { Receipt } from "./Receipt";
import { paymentsStarted } from "./sale";
import { VoucherPayment } from "./VoucherPayment";

export function PaymentPanel({ onRecorded }: { onRecorded: (receipt: Receipt) => void }) {
  const { can } = useSession();
  const { sale, totals } = useTill();
  // Shown as soon as there is something to pay, also while the cart is being priced again
  // (each part waits for the member prices before it asks the server anything).
  const canPayOtherwise = can("REDEEM_POINTS") && sale.customer !== null && sale.lines.length > 0;
  const spendable = sale.customer?.points.spendable ?? 0;
  return (
    <section className="card till-payment" aria-labelledby="till-payment-title">
      <h2 id="till-payment-title">Payment</h2>
      <dl className="till-sums">
        <div>
          <dt>Total</dt>
          <dd>{formatMoney(totals.totalMinor)}</dd>
        </div>
        {totals.voucherMinor ? (
          <div>
            <dt>Vouchers</dt>
            <dd>−{formatMoney(totals.voucherMinor)}</dd>
          </div>
        ) : null}
        {totals.pointsMinor ? (
          <div>
            <dt>Points</dt>
            <dd>−{formatMoney(totals.pointsMinor)}</dd>
          </div>
        ) : null}
        <div className="till-due">
          <dt>To pay in money</dt>
          <dd>{formatMoney(totals.toPayMinor)}</dd>
        </div>
      </dl>
      {canPayOtherwise ? (
        <>
          <VoucherPayment next={spendable > 0 || sale.points ? CONTROL.points : CONTROL.record} />
          <PointsPayment key={sale.vouchers.length} />
        </>
      ) : null}
      <RecordSale onRecorded={onRecorded} />
      <CancelSale />
    </section>
  );
}

function blockedBecause(sale: ReturnType<typeof useTill>["sale"], priced: boolean): string | null {
  if (!sale.lines.length) return "Add the products of the sale first.";
  if (!sale.customer) return "Scan the customer's card: the sale is recorded on it.";
  if (!priced) return "Pricing the cart for the customer…";
  if (sale.points?.kind === "held") return "Capture or release the held points first.";
  return null;
}

function RecordSale({ onRecorded }: { onRecorded: (receipt: Receipt) => void }) {
  const client = useClient();
  const { sale, priced, member, totals } = useTill();
  const [recording, record] = useMutation(RecordPurchaseDocument);
  const [userErrors, setUserErrors] = useState<readonly UserError[]>([]);
  const [failure, setFailure] = useState<CombinedError | undefined>();
  const blocked = blockedBecause(sale, member !== null);

  async function recordSale() {
    if (recording.fetching || blocked || !member || !sale.customer || !priced) return;
    // The order number is the sale's idempotency key: a retry after a lost answer returns
    // the sale recorded the first time (replayed), never a second one.
    const input = {
      orderId: sale.orderId,
      status: "PAID" as const,
      customerId: sale.customer.id,
      channel: "POS" as const,
      lines: saleLines(sale.lines, priced),
    };
    const result = await record({ input });
    if (!result.data) {
      setFailure(result.error);
      return;
    }
    setFailure(undefined);
    const payload = result.data.recordPurchase;
    if (payload.userErrors.length || !payload.purchase) {
      setUserErrors(payload.userErrors);
      return;
    }
    setUserErrors([]);
    const printed = await client
      .query(OrderPointsDocument, { orderId: sale.orderId }, { requestPolicy: "network-only" })
      .toPromise();
    const onOrder = printed.data?.orderPoints;
    onRecorded({
      orderId: sale.orderId,
      recordedAt: new Date().toISOString(),
      customer: sale.customer,
      lines: sale.lines.map((line, i) => ({
        sku: line.sku,
        quantity: line.quantity,
        shelfUnitPriceMinor: line.unitPriceMinor,
        unitPriceMinor: priced.lines[i].memberUnitPriceMinor,
        lineTotalMinor: priced.lines[i].netTotalMinor,
      })),
      totals,
      vouchers: sale.vouchers,
      pointsUsed: onOrder?.pointsUsed ?? sale.points?.points ?? 0,
      valueRedeemedMinor: onOrder?.valueRedeemedMinor ?? totals.pointsMinor,
      pointsEarned: onOrder?.pointsEarned ?? payload.purchase.pointsEarned,
      balance: onOrder?.balance ?? payload.points?.balance ?? null,
      exact: Boolean(onOrder),
    });
  }

  return (
    <div className="till-record">
      {blocked ? <p className="hint">{blocked}</p> : null}
      <button
        id={CONTROL.record}
        type="button"
        className="till-record-button"
        onClick={recordSale}
        disabled={Boolean(blocked)}
      >
        {recording.fetching
          ? "Recording…"
          : failure
            ? "Try recording again"
            : `Record sale · ${formatMoney(totals.toPayMinor)} in money`}
      </button>
      <FormErrors errors={userErrors} />
      {failure ? (
        <>
          <RequestError error={failure} />
          <p className="hint">
            The answer was lost, so the sale may be recorded already. Record again: a sale is
            recorded once whatever happened.
          </p>
        </>
      ) : null}
    </div>
  );
}

/** Start again: points paid come back, held points are released, vouchers used are given back. */
function CancelSale() {
  const { sale, dispatch, focus } = useTill();
  const [confirming, setConfirming] = useState(false);
  const [, cancelRedemption] = useMutation(CancelRedemptionDocument);
  const [, releaseHold] = useMutation(ReleaseHoldDocument);
  const [, cancelVoucher] = useMutation(CancelVoucherRedemptionDocument);
  const [working, setWorking] = useState(false);
  const [problem, setProblem] = useState<{ errors?: readonly UserError[]; error?: CombinedError }>(
    {},
  );
  if (!sale.customer && !sale.lines.length) return null;

  function startAgain() {
    dispatch({ type: "newSale" });
    setConfirming(false);
    focus(CONTROL.card);
  }

  async function cancel() {
    if (working) return;
    setWorking(true);
    try {
      const points = sale.points;
      if (points?.kind === "paid") {
        const result = await cancelRedemption({ redemptionId: points.redemptionId });
        if (!result.data) return setProblem({ error: result.error });
        const errors = result.data.cancelRedemption.userErrors;
        if (errors.length) return setProblem({ errors });
      } else if (points?.kind === "held") {
        const result = await releaseHold({ holdId: points.holdId });
        if (!result.data) return setProblem({ error: result.error });
        const errors = result.data.releaseHold.userErrors.filter((e) => e.code !== "HOLD_NOT_ACTIVE");
        if (errors.length) return setProblem({ errors });
      }
      // Each cancellation is answered again as it was when sent again (replayed), so a
      // retry after a failure part way through gives back only what is still used.
      for (const voucher of sale.vouchers) {
        const result = await cancelVoucher({ redemptionId: voucher.redemptionId });
        if (!result.data) return setProblem({ error: result.error });
        const errors = result.data.cancelVoucherRedemption.userErrors;
        if (errors.length) return setProblem({ errors });
      }
      setProblem({});
      startAgain();
    } finally {
      setWorking(false);
    }
  }

  function escape(event: KeyboardEvent) {
    if (event.key === "Escape") setConfirming(false);
  }

  if (!paymentsStarted(sale)) {
    return (
      <button type="button" className="secondary till-cancel" onClick={startAgain}>
        Clear the sale
      </button>
    );
  }
  if (sale.points?.kind === "captured") {
    return (
      <p className="hint">
        The points are captured: record the sale, then refund it if the customer changes their mind.
      </p>
    );
  }
  if (!confirming) {
    return (
      <button type="button" className="secondary till-cancel" onClick={() => setConfirming(true)}>
        Cancel the sale…
      </button>
    );
  }
  return (
    <div className="till-confirm" role="group" aria-label="Cancel the sale?" onKeyDown={escape}>
      <p>Cancel this sale?</p>
      <ul>
        {sale.points?.kind === "paid" ? (
          <li>The {formatPoints(sale.points.points)} points paid come back to the customer.</li>
        ) : null}
        {sale.points?.kind === "held" ? (
          <li>The {formatPoints(sale.points.points)} points held are released.</li>
        ) : null}
        {sale.vouchers.map((voucher) => (
          <li key={voucher.code}>
            The voucher {voucher.code} is given back: the customer may use it again.
          </li>
        ))}
      </ul>
      <div className="till-buttons">
        <button type="button" className="danger" onClick={cancel} autoFocus>
          {working ? "Cancelling…" : "Cancel the sale"}
        </button>
        <button type="button" className="secondary" onClick={() => setConfirming(false)}>
          Keep the sale
        </button>
      </div>
      <FormErrors errors={problem.errors} />
      <RequestError error={problem.error} />
    </div>
  );
}
