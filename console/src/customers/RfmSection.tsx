// The customer's RFM scores from the latest run of the RFM job (docs/reports.md, RFM scores).
import { useQuery } from "urql";
import { CustomerRfmDocument } from "../generated/graphql";
import { RequestError } from "../ui/RequestError";
import { formatDate, formatMoney, formatPoints } from "../ui/format";

export function RfmSection({ customerId }: { customerId: string }) {
  const [{ data, error }] = useQuery({ query: CustomerRfmDocument, variables: { id: customerId } });
  const rfm = data?.customer?.rfm;
  return (
    <section className="card" aria-labelledby="rfm-heading">
      <h2 id="rfm-heading">RFM scores</h2>
      <RequestError error={error} />
      {!data ? null : !rfm ? (
        <p className="hint">No scores: no order in the year before the latest RFM run.</p>
      ) : (
        <>
          <p>
            <strong>{rfm.segmentName}</strong>: recency {rfm.recency}, frequency {rfm.frequency}, monetary{" "}
            {rfm.monetary} <small>(1 to 5, 5 best)</small>
          </p>
          <p className="hint">
            {formatPoints(rfm.purchases)} order{rfm.purchases === 1 ? "" : "s"} for {formatMoney(rfm.spendMinor)}, the
            last on {formatDate(rfm.lastPurchaseAt)}; scored {formatDate(rfm.computedAt)}.
          </p>
        </>
      )}
    </section>
  );
}
