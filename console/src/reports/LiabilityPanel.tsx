import { useQuery } from "urql";
import { LiabilityDocument } from "../generated/graphql";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { formatMoney, formatPoints } from "../ui/format";

/** What the program owes now: the outstanding points and their value at the redemption rate. */
export function LiabilityPanel() {
  const [{ data, fetching, error }] = useQuery({ query: LiabilityDocument });
  const owed = data?.liability;
  return (
    <section className="card report-panel" aria-labelledby="liability-heading">
      <h2 id="liability-heading">Liability now</h2>
      <RequestError error={error} />
      {!owed ? (
        fetching ? <Loading what="Loading the liability" /> : null
      ) : (
        <>
          <dl className="figures">
            <div className="figure lead">
              <dt>Outstanding value</dt>
              <dd>{formatMoney(owed.valueMinor)}</dd>
            </div>
            <div className="figure">
              <dt>Outstanding points</dt>
              <dd>{formatPoints(owed.balance)}</dd>
            </div>
            <div className="figure">
              <dt>Held by checkouts</dt>
              <dd>{formatPoints(owed.held)}</dd>
            </div>
            <div className="figure">
              <dt>Spendable</dt>
              <dd>
                {formatPoints(owed.spendable)} <span className="muted">({formatMoney(owed.spendableValueMinor)})</span>
              </dd>
            </div>
            <div className="figure">
              <dt>Customers with points</dt>
              <dd>{formatPoints(owed.customersWithPoints)}</dd>
            </div>
          </dl>
          <p className="muted small-print">
            At the redemption rate: {formatPoints(owed.pointsPerUnit)} points = {formatMoney(owed.valuePerUnitMinor)},
            rounded down as a redemption rounds.
          </p>
        </>
      )}
    </section>
  );
}
