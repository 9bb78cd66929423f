// A voucher code on the sale: checked while it is typed (what it would take off, or why it
// does not apply), then used on the order with Enter.
import { useState, type FormEvent, type KeyboardEvent } from "react";
import { useMutation, useQuery, type CombinedError } from "urql";
import { CheckVoucherDocument, RedeemVoucherDocument } from "../generated/graphql";
import { errorFor, Field, FormErrors, type UserError } from "../ui/forms";
import { formatMoney } from "../ui/format";
import { RequestError } from "../ui/RequestError";
import { CONTROL, useDebounced, useTill } from "./context";
import { voucherReason } from "./reasons";

/** Codes are at least this long; shorter text is not checked (each check is rate limited). */
const MIN_CODE_LENGTH = 4;

export function VoucherPayment({ next }: { next: string }) {
  const { sale, dispatch, keys, member, focus } = useTill();
  const [code, setCode] = useState("");
  const [userErrors, setUserErrors] = useState<readonly UserError[]>([]);
  const [failure, setFailure] = useState<CombinedError | undefined>();
  const typed = code.trim();
  const checked = useDebounced(typed, 350);
  const customerId = sale.customer?.id;
  const [check] = useQuery({
    query: CheckVoucherDocument,
    variables: { code: checked, cart: member ?? [], customerId, orderId: sale.orderId },
    pause: checked.length < MIN_CODE_LENGTH || !member,
    requestPolicy: "network-only",
  });
  const [redeeming, redeem] = useMutation(RedeemVoucherDocument);

  async function use(event: FormEvent) {
    event.preventDefault();
    if (redeeming.fetching) return;
    if (!typed) {
      focus(next);
      return;
    }
    if (!member || !customerId) {
      setUserErrors([
        { field: "code", code: "PRICING", message: "The cart is being priced: press Enter again." },
      ]);
      return;
    }
    const request = { code: typed, orderId: sale.orderId, cart: member, customerId };
    const idempotencyKey = keys.keyFor("voucher", request);
    const result = await redeem({ input: { ...request, idempotencyKey } });
    if (!result.data) {
      // Not answered: the code may have been used; the same key on a retry says so.
      setFailure(result.error);
      return;
    }
    keys.settled("voucher");
    setFailure(undefined);
    const payload = result.data.redeemVoucher;
    if (payload.userErrors.length || !payload.redemption) {
      setUserErrors(payload.userErrors);
      return;
    }
    setUserErrors([]);
    setCode("");
    dispatch({
      type: "voucherUsed",
      voucher: {
        code: payload.voucher?.code ?? typed.toUpperCase(),
        discountMinor: payload.redemption.discountMinor,
        redemptionId: payload.redemption.id,
      },
    });
    focus(next);
  }

  function clear(event: KeyboardEvent) {
    if (event.key !== "Escape") return;
    setCode("");
    setUserErrors([]);
    setFailure(undefined);
  }

  const found = check.data?.checkVoucher;
  // The answer for the code as it is now (a paused check keeps its last answer).
  const current =
    found &&
    !check.fetching &&
    typed.length >= MIN_CODE_LENGTH &&
    checked === typed &&
    found.code === typed.toUpperCase()
      ? found
      : undefined;
  const fieldError = errorFor(userErrors, "code") ?? errorFor(userErrors, "customerId");
  return (
    <div className="till-pay-part">
      <h3>Voucher</h3>
      {sale.vouchers.length ? (
        <ul className="till-used" aria-label="Vouchers used on this sale">
          {sale.vouchers.map((voucher) => (
            <li key={voucher.code}>
              <span className="till-code">{voucher.code}</span>
              <span>−{formatMoney(voucher.discountMinor)}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <form className="till-inline" onSubmit={use} aria-label="Use a voucher">
        <Field
          id={CONTROL.voucher}
          label={sale.vouchers.length ? "Another voucher code" : "Voucher code"}
          value={code}
          onChange={(e) => {
            setCode(e.target.value);
            setUserErrors([]);
          }}
          onKeyDown={clear}
          autoComplete="off"
          spellCheck={false}
          error={fieldError}
          hint={
            current ? (
              current.applies ? (
                <span className="ok">Takes {formatMoney(current.discountMinor)} off. Enter uses it.</span>
              ) : (
                <span className="error">{current.reasons.map(voucherReason).join(" ")}</span>
              )
            ) : typed.length >= MIN_CODE_LENGTH ? (
              "Checking…"
            ) : (
              "Scan or type the code (F8). Enter with no code goes on to points."
            )
          }
        />
        <button type="submit" className="secondary">
          {redeeming.fetching ? "Using…" : "Use voucher"}
        </button>
      </form>
      <FormErrors errors={userErrors} fields={["code", "customerId"]} />
      {failure ? (
        <>
          <RequestError error={failure} />
          <p className="hint">Press Enter to try again: the voucher is never used twice.</p>
        </>
      ) : null}
      <RequestError error={check.error} />
    </div>
  );
}
