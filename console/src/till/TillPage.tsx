// The till: scan a card, build the cart at the customer's member prices, pay part of it with
// vouchers and points, record the sale, print its receipt, refund an order. Every step works
// from the keyboard: Enter goes on, Escape clears the field, F-keys jump to the steps.
import { useCallback, useEffect, useMemo, useReducer, useState } from "react";
import { useQuery } from "urql";
import { PriceCartDocument } from "../generated/graphql";
import { useSession } from "../app/session";
import { memberCart, pricedFor, saleTotals, shelfCart } from "./cart";
import { CardsPanel, type CardHolder } from "./CardsPanel";
import { CartPanel } from "./CartPanel";
import { CONTROL, TillContext, useFocusManager, type Till } from "./context";
import { CustomerPanel } from "./CustomerPanel";
import { IdempotencyKeys } from "./idempotency";
import { PaymentPanel } from "./PaymentPanel";
import { ReceiptView, type Receipt } from "./Receipt";
import { RefundPanel, type RefundStart } from "./RefundPanel";
import { newSale, pointsValueOnOrder, saleReducer, voucherTotalMinor } from "./sale";
import "./till.css";

const SHORTCUTS: Record<string, string> = {
  F2: CONTROL.card,
  F4: CONTROL.sku,
  F8: CONTROL.voucher,
  F9: CONTROL.record,
};

export default function TillPage() {
  const { can } = useSession();
  const [sale, dispatch] = useReducer(saleReducer, undefined, () => newSale());
  const [keys] = useState(() => new IdempotencyKeys());
  const { focus, waitingFor } = useFocusManager();
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [refund, setRefund] = useState<RefundStart | null>(null);
  const [cardsOf, setCardsOf] = useState<CardHolder | null>(null);

  useShortcuts(focus);

  const cart = useMemo(() => shelfCart(sale.lines), [sale.lines]);
  const [pricing] = useQuery({
    query: PriceCartDocument,
    variables: { customerId: sale.customer?.id ?? "", cart },
    pause: !sale.customer || !cart.length,
  });
  const answer = pricing.data?.priceCart;
  const priced = sale.customer && pricedFor(sale.lines, answer) ? answer : undefined;
  const member = useMemo(() => (priced ? memberCart(sale.lines, priced) : null), [priced, sale.lines]);
  const totals = saleTotals(sale.lines, priced, voucherTotalMinor(sale), pointsValueOnOrder(sale));

  const till: Till = { sale, dispatch, keys, priced, member, totals, focus, waitingFor };
  const recorded = useCallback(
    (done: Receipt) => {
      setReceipt(done);
      dispatch({ type: "newSale" });
      focus(CONTROL.card);
    },
    [focus],
  );
  const openRefund = (start: RefundStart) => {
    setRefund(start);
    focus(CONTROL.refundOrder);
  };
  const saleStarted = sale.customer !== null || sale.lines.length > 0;
  const canRefund = can("REFUND_PURCHASES");

  return (
    <TillContext.Provider value={till}>
      <div className="till">
        <div className="till-top no-print">
          <h1>Till</h1>
          <p className="till-keys" aria-label="Keyboard shortcuts">
            <kbd>F2</kbd> card · <kbd>F4</kbd> product · <kbd>F8</kbd> voucher · <kbd>F9</kbd>{" "}
            record · <kbd>Enter</kbd> goes on · <kbd>Esc</kbd> clears the field
          </p>
          {canRefund ? (
            <button
              type="button"
              className="secondary"
              onClick={() => openRefund({ orderId: "", lines: [] })}
            >
              Refund an order…
            </button>
          ) : null}
        </div>
        <div className="till-grid">
          <div className="till-main no-print">
            <CustomerPanel onOpenCards={setCardsOf} />
            <CartPanel
              pricing={pricing.fetching && Boolean(sale.customer) && sale.lines.length > 0}
              pricingError={pricing.error}
            />
          </div>
          <div className="till-side">
            {receipt && !saleStarted ? (
              <ReceiptView
                receipt={receipt}
                onRefund={
                  canRefund
                    ? () =>
                        openRefund({
                          orderId: receipt.orderId,
                          lines: receipt.lines.map(({ sku, quantity }) => ({ sku, quantity })),
                        })
                    : null
                }
              />
            ) : (
              <div className="no-print">
                <PaymentPanel onRecorded={recorded} />
              </div>
            )}
          </div>
        </div>
        {cardsOf ? (
          <CardsPanel
            key={cardsOf.id}
            holder={cardsOf}
            onClose={() => {
              setCardsOf(null);
              focus(CONTROL.card);
            }}
          />
        ) : null}
        {refund ? (
          <div className="no-print">
            <RefundPanel
              key={`${refund.orderId}-${refund.lines.length}`}
              start={refund}
              onClose={() => {
                setRefund(null);
                focus(CONTROL.card);
              }}
            />
          </div>
        ) : null}
      </div>
    </TillContext.Provider>
  );
}

/** F2, F4, F8 and F9 jump to the card, the product, the voucher and the record button. */
function useShortcuts(focus: (id: string) => void) {
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const target = SHORTCUTS[event.key];
      if (!target || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      focus(target);
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [focus]);
}
