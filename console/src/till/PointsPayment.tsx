// Points as payment: the quote (the most points this order may take and what they pay),
// then either paid at once or held while the card payment runs and captured after it.
import { useEffect, useState, type FormEvent, type KeyboardEvent } from "react";
import { useClient, useMutation, useQuery, type CombinedError } from "urql";
import {
  CancelRedemptionDocument,
  CaptureHoldDocument,
  HoldPointsDocument,
  OrderPointsDocument,
  QuoteRedemptionDocument,
  RedemptionRateDocument,
  RedeemPointsDocument,
  ReleaseHoldDocument,
} from "../generated/graphql";
import { errorFor, Field, FormErrors, type UserError } from "../ui/forms";
import { formatDate, formatMoney, formatPoints } from "../ui/format";
import { RequestError } from "../ui/RequestError";
import { pointsValueMinor, type Quote } from "./cart";
import { CONTROL, useTill } from "./context";
import { quoteReason } from "./reasons";
import type { PointsPayment as Payment } from "./sale";

export function PointsPayment() {
  const { sale } = useTill();
  // Kept here, above the parts that come and go: why held points are back on the account.
  const [notice, setNotice] = useState<string | null>(null);
  const onOrder = sale.points !== null;
  useEffect(() => {
    if (onOrder) setNotice(null);
  }, [onOrder]);
  return (
    <div className="till-pay-part">
      <h3>Points</h3>
      {notice && !onOrder ? (
        <p className="till-note" role="status">
          {notice}
        </p>
      ) : null}
      {sale.points ? (
        <PointsOnOrder payment={sale.points} onNotice={setNotice} />
      ) : (
        <PointsQuote />
      )}
    </div>
  );
}

function PointsQuote() {
  const { sale, member, focus, waitingFor } = useTill();
  const customerId = sale.customer?.id ?? "";
  const [quoted] = useQuery({
    query: QuoteRedemptionDocument,
    variables: { customerId, cart: member ?? [], orderId: sale.orderId },
    pause: !member || !customerId,
    requestPolicy: "network-only",
  });
  const [rate] = useQuery({ query: RedemptionRateDocument });
  const quote = quoted.data?.quoteRedemption;
  const nothingToPay = quote !== undefined && quote.maxPoints <= 0;
  useEffect(() => {
    // Nothing to type here: the keyboard goes on to the sale.
    if (nothingToPay && waitingFor(CONTROL.points)) focus(CONTROL.record);
  }, [nothingToPay, waitingFor, focus]);
  if (!member || (quoted.fetching && !quote)) {
    return (
      <p className="loading" role="status">
        Asking what points can pay…
      </p>
    );
  }
  if (quoted.error) return <RequestError error={quoted.error} />;
  if (!quote) return null;
  if (nothingToPay) {
    const reasons = quote.reasons.length ? quote.reasons.map(quoteReason) : ["Nothing left to pay."];
    return <p className="hint">No points on this sale: {reasons.join(" ")}</p>;
  }
  return <PointsForm key={quote.maxPoints} quote={quote} rate={rate.data?.redemptionRules} />;
}

function PointsForm({
  quote,
  rate,
}: {
  quote: Quote;
  rate: { pointsPerUnit: number; valuePerUnitMinor: number } | undefined;
}) {
  const { sale, dispatch, keys, member, focus } = useTill();
  const [text, setText] = useState(String(quote.maxPoints));
  const [userErrors, setUserErrors] = useState<readonly UserError[]>([]);
  const [failure, setFailure] = useState<CombinedError | undefined>();
  const [paying, pay] = useMutation(RedeemPointsDocument);
  const [holding, hold] = useMutation(HoldPointsDocument);
  const busy = paying.fetching || holding.fetching;
  const points = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  const exact = rate ? pointsValueMinor(points, rate, quote) : points === quote.maxPoints ? quote.maxValueMinor : null;
  const tooMany = Number.isInteger(points) && points > quote.maxPoints;
  const localError = !text.trim()
    ? undefined
    : !Number.isInteger(points) || points <= 0
      ? "A whole number of points."
      : tooMany
        ? `At most ${formatPoints(quote.maxPoints)} points on this sale.`
        : undefined;

  function request() {
    return {
      customerId: sale.customer?.id ?? "",
      orderId: sale.orderId,
      points,
      cart: member ?? [],
    };
  }

  async function payNow(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (!text.trim() || points === 0) {
      focus(CONTROL.record);
      return;
    }
    if (localError || !member) return;
    const input = request();
    const result = await pay({ input: { ...input, idempotencyKey: keys.keyFor("points", input) } });
    if (!result.data) {
      setFailure(result.error);
      return;
    }
    keys.settled("points");
    setFailure(undefined);
    const payload = result.data.redeemPoints;
    if (payload.userErrors.length || !payload.redemption) {
      setUserErrors(payload.userErrors);
      return;
    }
    const { id, points: paid, valueMinor } = payload.redemption;
    dispatch({ type: "points", payment: { kind: "paid", redemptionId: id, points: paid, valueMinor } });
    if (payload.points) dispatch({ type: "balance", points: payload.points });
    focus(CONTROL.record);
  }

  async function holdNow() {
    if (busy || localError || !member || !Number.isInteger(points) || points <= 0) return;
    const input = request();
    const result = await hold({ input: { ...input, idempotencyKey: keys.keyFor("hold", input) } });
    if (!result.data) {
      setFailure(result.error);
      return;
    }
    keys.settled("hold");
    setFailure(undefined);
    const payload = result.data.holdPoints;
    if (payload.userErrors.length || !payload.hold) {
      setUserErrors(payload.userErrors);
      return;
    }
    const { id, points: held, valueMinor, expiresAt } = payload.hold;
    dispatch({
      type: "points",
      payment: { kind: "held", holdId: id, points: held, valueMinor, expiresAt },
    });
    if (payload.points) dispatch({ type: "balance", points: payload.points });
    focus(CONTROL.capture);
  }

  function reset(event: KeyboardEvent) {
    if (event.key !== "Escape") return;
    setText(String(quote.maxPoints));
    setUserErrors([]);
  }

  return (
    <>
      <p className="till-quote">
        Up to <strong>{formatPoints(quote.maxPoints)} points</strong> pay{" "}
        <strong>{formatMoney(quote.maxValueMinor)}</strong> of this sale
        <span className="hint"> · {formatPoints(quote.spendablePoints)} spendable</span>
      </p>
      <form className="till-stack" onSubmit={payNow} aria-label="Pay with points">
        <Field
          id={CONTROL.points}
          label="Points to use"
          inputMode="numeric"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setUserErrors([]);
          }}
          onKeyDown={reset}
          autoComplete="off"
          error={localError ?? errorFor(userErrors, "points")}
          hint={
            exact !== null && !localError
              ? `Pays ${formatMoney(exact)}. Enter pays; empty or 0 uses none.`
              : "Enter pays; empty or 0 uses none."
          }
        />
        <div className="till-buttons">
          <button type="submit">
            {paying.fetching ? "Paying…" : "Pay with points"}
          </button>
          <button type="button" className="secondary" onClick={holdNow}>
            {holding.fetching ? "Holding…" : "Hold for card payment"}
          </button>
        </div>
      </form>
      <FormErrors errors={userErrors} fields={["points"]} />
      {failure ? (
        <>
          <RequestError error={failure} />
          <p className="hint">Try again: the points are never taken twice.</p>
        </>
      ) : null}
    </>
  );
}

/** Points already on the order, and what the cashier may still do with them. */
function PointsOnOrder({
  payment,
  onNotice,
}: {
  payment: Payment;
  onNotice: (notice: string | null) => void;
}) {
  const value = `${formatPoints(payment.points)} points (${formatMoney(payment.valueMinor)})`;
  if (payment.kind === "held") {
    return <HeldPoints payment={payment} value={value} onNotice={onNotice} />;
  }
  if (payment.kind === "captured") {
    return (
      <p className="till-done" role="status">
        {value} captured: they pay this sale.
      </p>
    );
  }
  return <PaidPoints payment={payment} value={value} />;
}

function PaidPoints({
  payment,
  value,
}: {
  payment: Extract<Payment, { kind: "paid" }>;
  value: string;
}) {
  const { dispatch, focus } = useTill();
  const [cancelling, cancel] = useMutation(CancelRedemptionDocument);
  const [problem, setProblem] = useState<{ errors?: readonly UserError[]; error?: CombinedError }>({});

  async function giveBack() {
    if (cancelling.fetching) return;
    const result = await cancel({ redemptionId: payment.redemptionId });
    if (!result.data) return setProblem({ error: result.error });
    const payload = result.data.cancelRedemption;
    if (payload.userErrors.length) return setProblem({ errors: payload.userErrors });
    setProblem({});
    dispatch({ type: "points", payment: null });
    if (payload.points) dispatch({ type: "balance", points: payload.points });
    focus(CONTROL.points);
  }

  return (
    <>
      <p className="till-done" role="status">
        Paid with {value}.
      </p>
      <button type="button" className="secondary" onClick={giveBack}>
        {cancelling.fetching ? "Giving back…" : "Give the points back"}
      </button>
      <FormErrors errors={problem.errors} />
      <RequestError error={problem.error} />
    </>
  );
}

function HeldPoints({
  payment,
  value,
  onNotice,
}: {
  payment: Extract<Payment, { kind: "held" }>;
  value: string;
  onNotice: (notice: string | null) => void;
}) {
  const client = useClient();
  const { sale, dispatch, focus } = useTill();
  const [capturing, capture] = useMutation(CaptureHoldDocument);
  const [releasing, release] = useMutation(ReleaseHoldDocument);
  const [problem, setProblem] = useState<{ errors?: readonly UserError[]; error?: CombinedError }>(
    {},
  );

  async function captureNow() {
    if (capturing.fetching || releasing.fetching) return;
    const result = await capture({ holdId: payment.holdId });
    if (!result.data) return setProblem({ error: result.error });
    const payload = result.data.captureHold;
    if (payload.userErrors.some((e) => e.code === "HOLD_NOT_ACTIVE")) {
      // A capture whose answer was lost, or a hold that expired: the order's points tell.
      return settleInactiveHold();
    }
    if (payload.userErrors.length) return setProblem({ errors: payload.userErrors });
    setProblem({});
    dispatch({ type: "points", payment: { ...payment, kind: "captured" } });
    if (payload.points) dispatch({ type: "balance", points: payload.points });
    focus(CONTROL.record);
  }

  /** The hold is no longer active: captured (its answer lost), or released or expired. */
  async function settleInactiveHold() {
    const order = await client
      .query(OrderPointsDocument, { orderId: sale.orderId }, { requestPolicy: "network-only" })
      .toPromise();
    if (!order.data) return setProblem({ error: order.error });
    const used = order.data.orderPoints?.pointsUsed ?? 0;
    if (used >= payment.points) {
      setProblem({});
      onNotice(null);
      dispatch({ type: "points", payment: { ...payment, kind: "captured" } });
      focus(CONTROL.record);
      return;
    }
    onNotice("The hold was no longer active (it expired or was released): its points are back.");
    dispatch({ type: "points", payment: null });
    dispatch({
      type: "balance",
      points: {
        balance: order.data.orderPoints?.balance ?? sale.customer?.points.balance ?? 0,
        held: 0,
      },
    });
    focus(CONTROL.points);
  }

  async function releaseNow() {
    if (capturing.fetching || releasing.fetching) return;
    const result = await release({ holdId: payment.holdId });
    if (!result.data) return setProblem({ error: result.error });
    const payload = result.data.releaseHold;
    if (payload.userErrors.some((e) => e.code === "HOLD_NOT_ACTIVE")) return settleInactiveHold();
    if (payload.userErrors.length) return setProblem({ errors: payload.userErrors });
    setProblem({});
    dispatch({ type: "points", payment: null });
    if (payload.points) dispatch({ type: "balance", points: payload.points });
    focus(CONTROL.points);
  }

  return (
    <>
      <p className="till-done" role="status">
        {value} held until {formatDate(payment.expiresAt)}. Capture them once the card payment
        has gone through.
      </p>
      <div className="till-buttons">
        <button id={CONTROL.capture} type="button" onClick={captureNow}>
          {capturing.fetching ? "Capturing…" : "Capture points"}
        </button>
        <button type="button" className="secondary" onClick={releaseNow}>
          {releasing.fetching ? "Releasing…" : "Release"}
        </button>
      </div>
      <FormErrors errors={problem.errors} />
      <RequestError error={problem.error} />
    </>
  );
}
