import { useQuery } from "urql";
import { ReportTotalsDocument } from "../generated/graphql";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { formatPoints } from "../ui/format";

function signed(points: number): string {
  return points > 0 ? `+${formatPoints(points)}` : formatPoints(points);
}

/** The period's totals: what was earned, taken back, spent and expired, and the operations. */
export function TotalsPanel({ since, until }: { since: string; until: string }) {
  const [{ data, fetching, error }] = useQuery({ query: ReportTotalsDocument, variables: { since, until } });
  const totals = data?.reportTotals;
  return (
    <section className="card report-panel" aria-labelledby="totals-heading">
      <h2 id="totals-heading">Totals of the period</h2>
      <RequestError error={error} />
      {!totals ? (
        fetching ? <Loading what="Loading the totals" /> : null
      ) : (
        <>
          <dl className="figures">
            <div className="figure lead">
              <dt>Net change</dt>
              <dd>{signed(totals.net)}</dd>
            </div>
            <div className="figure">
              <dt>Earned</dt>
              <dd>{formatPoints(totals.earned)}</dd>
            </div>
            <div className="figure">
              <dt>Spent</dt>
              <dd>{formatPoints(totals.spent)}</dd>
            </div>
            <div className="figure">
              <dt>Taken back by refunds</dt>
              <dd>{formatPoints(totals.takenBack)}</dd>
            </div>
            <div className="figure">
              <dt>Expired</dt>
              <dd>{formatPoints(totals.expired)}</dd>
            </div>
            <div className="figure">
              <dt>Other (manual debits)</dt>
              <dd>{signed(totals.other)}</dd>
            </div>
          </dl>
          <dl className="figures secondary-figures">
            <div className="figure">
              <dt>Operations</dt>
              <dd>{formatPoints(totals.operations)}</dd>
            </div>
            <div className="figure">
              <dt>Points moved</dt>
              <dd>{formatPoints(totals.pointsMoved)}</dd>
            </div>
            <div className="figure">
              <dt>Average points per operation</dt>
              <dd>{totals.averagePoints === null ? "–" : new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 }).format(Number(totals.averagePoints))}</dd>
            </div>
            <div className="figure">
              <dt>Total balance at the end</dt>
              <dd>{formatPoints(totals.balance)}</dd>
            </div>
          </dl>
        </>
      )}
    </section>
  );
}
