// The receipt of the sale just recorded: lines, totals, what vouchers and points paid, and the
// points earned and used on the order as the server counts them (orderPoints). Printable.
import { formatDate, formatMoney, formatPoints } from "../ui/format";
import type { SaleTotals } from "./cart";
import { customerName } from "./CustomerPanel";
import type { TillCustomer, UsedVoucher } from "./sale";

export type ReceiptLine = {
  sku: string;
  quantity: number;
  shelfUnitPriceMinor: number;
  unitPriceMinor: number;
  lineTotalMinor: number;
};

export type Receipt = {
  orderId: string;
  recordedAt: string;
  customer: TillCustomer;
  lines: ReceiptLine[];
  totals: SaleTotals;
  vouchers: UsedVoucher[];
  pointsUsed: number;
  valueRedeemedMinor: number;
  pointsEarned: number;
  balance: number | null;
  /** False when the order's points could not be read back (the sale's own figures shown). */
  exact: boolean;
};

export function ReceiptView({
  receipt,
  onRefund,
}: {
  receipt: Receipt;
  onRefund: (() => void) | null;
}) {
  const { totals } = receipt;
  return (
    <section className="card till-receipt" aria-labelledby="till-receipt-title">
      <div className="receipt" id="till-receipt">
        <h2 id="till-receipt-title">Receipt</h2>
        <p className="receipt-meta">
          Order <span className="till-code">{receipt.orderId}</span>
          <br />
          {formatDate(receipt.recordedAt)}
          <br />
          {customerName(receipt.customer)} · card {receipt.customer.cardCode}
        </p>
        <table className="receipt-lines">
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col" className="num">
                Qty
              </th>
              <th scope="col" className="num">
                Price
              </th>
              <th scope="col" className="num">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {receipt.lines.map((line, i) => (
              <tr key={i}>
                <td>{line.sku}</td>
                <td className="num">{line.quantity}</td>
                <td className="num">{formatMoney(line.unitPriceMinor)}</td>
                <td className="num">{formatMoney(line.lineTotalMinor)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <dl className="till-sums receipt-sums">
          {totals.memberSavingsMinor ? (
            <div>
              <dt>Member prices saved</dt>
              <dd>{formatMoney(totals.memberSavingsMinor)}</dd>
            </div>
          ) : null}
          {totals.cardSavingsMinor ? (
            <div>
              <dt>Cards saved</dt>
              <dd>{formatMoney(totals.cardSavingsMinor)}</dd>
            </div>
          ) : null}
          <div>
            <dt>Total</dt>
            <dd>{formatMoney(totals.totalMinor)}</dd>
          </div>
          {receipt.vouchers.map((voucher) => (
            <div key={voucher.code}>
              <dt>Voucher {voucher.code}</dt>
              <dd>−{formatMoney(voucher.discountMinor)}</dd>
            </div>
          ))}
          {receipt.pointsUsed ? (
            <div>
              <dt>{formatPoints(receipt.pointsUsed)} points</dt>
              <dd>−{formatMoney(receipt.valueRedeemedMinor)}</dd>
            </div>
          ) : null}
          <div className="till-due">
            <dt>Paid in money</dt>
            <dd>{formatMoney(totals.toPayMinor)}</dd>
          </div>
        </dl>
        <dl className="receipt-points" aria-label="Points on this sale">
          <div>
            <dt>Points used</dt>
            <dd>{formatPoints(receipt.pointsUsed)}</dd>
          </div>
          <div>
            <dt>Points earned</dt>
            <dd>{formatPoints(receipt.pointsEarned)}</dd>
          </div>
          {receipt.balance !== null ? (
            <div>
              <dt>Balance now</dt>
              <dd>{formatPoints(receipt.balance)}</dd>
            </div>
          ) : null}
        </dl>
        {receipt.exact ? null : (
          <p className="hint">The order's points could not be read back; these are the sale's own.</p>
        )}
      </div>
      <div className="till-buttons no-print">
        <button type="button" onClick={() => window.print()}>
          Print receipt
        </button>
        {onRefund ? (
          <button type="button" className="secondary" onClick={onRefund}>
            Refund this sale…
          </button>
        ) : null}
      </div>
    </section>
  );
}
