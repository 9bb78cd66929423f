import { useState } from "react";
import { useQuery } from "urql";
import { MyExpiringPointsDocument, MyHistoryDocument, MyPointsDocument } from "../generated/graphql";
import { RequestError } from "../ui/RequestError";
import { formatDate, formatPoints } from "../ui/format";
import { MovementLine } from "./parts";

const PAGE = 20;
const EXPIRING_WITHIN_DAYS = 90;

/** The totals, the points that expire in the coming months, and every movement, newest first. */
export function HistoryPage() {
  // The pages shown so far, by the cursor they start after (null: the newest).
  const [pages, setPages] = useState<(string | null)[]>([null]);
  return (
    <>
      <Totals />
      <Expiring />
      <section className="me-card" aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        <ol className="me-movements" aria-label="Your points, newest first">
          {pages.map((after, i) => (
            <HistoryPageItems
              key={after ?? "first"}
              after={after}
              last={i === pages.length - 1}
              onMore={(cursor) => setPages([...pages, cursor])}
            />
          ))}
        </ol>
      </section>
    </>
  );
}

function Totals() {
  const [{ data, error }] = useQuery({ query: MyPointsDocument });
  const points = data?.me?.points;
  return (
    <section className="me-card" aria-labelledby="totals-heading">
      <h2 id="totals-heading">Your points</h2>
      <RequestError error={error} />
      {points ? (
        <dl className="me-facts me-facts-3">
          <div>
            <dt>Balance</dt>
            <dd>{formatPoints(points.balance)}</dd>
          </div>
          <div>
            <dt>Earned in all</dt>
            <dd>{formatPoints(points.lifetimeEarned)}</dd>
          </div>
          <div>
            <dt>Spent in all</dt>
            <dd>{formatPoints(points.lifetimeSpent)}</dd>
          </div>
        </dl>
      ) : null}
    </section>
  );
}

function Expiring() {
  const [{ data, error }] = useQuery({ query: MyExpiringPointsDocument, variables: { withinDays: EXPIRING_WITHIN_DAYS } });
  const points = data?.me?.points;
  return (
    <section className="me-card" aria-labelledby="expiring-heading">
      <h2 id="expiring-heading">Expiring in the next {EXPIRING_WITHIN_DAYS} days</h2>
      <RequestError error={error} />
      {points ? (
        <>
          {points.expiringSoon.length ? (
            <ul className="me-expiring">
              {points.expiringSoon.map((lot) => (
                <li key={lot.expiresAt}>
                  <strong>{formatPoints(lot.points)} points</strong> expire on{" "}
                  <time dateTime={lot.expiresAt}>{formatDate(lot.expiresAt)}</time>
                </li>
              ))}
            </ul>
          ) : (
            <p className="me-muted">None. Spend your points before they expire: the soonest to expire are used first.</p>
          )}
          {points.lifetimeExpired ? (
            <p className="me-muted">{formatPoints(points.lifetimeExpired)} of your points have expired so far.</p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

/** One page of the history; the last page shown offers the next. */
function HistoryPageItems({ after, last, onMore }: { after: string | null; last: boolean; onMore: (cursor: string) => void }) {
  const [{ data, fetching, error }] = useQuery({ query: MyHistoryDocument, variables: { first: PAGE, after } });
  const ledger = data?.me?.ledger;
  return (
    <>
      {ledger?.edges.map(({ node }, i) => (
        // Showing older activity moves the focus to the first line it added.
        <MovementLine key={node.id} movement={node} focus={after !== null && i === 0} />
      ))}
      {error ? (
        <li>
          <RequestError error={error} />
        </li>
      ) : null}
      {!ledger && fetching ? (
        <li className="me-muted">Loading…</li>
      ) : null}
      {ledger && after === null && ledger.edges.length === 0 ? <li className="me-muted">No activity yet.</li> : null}
      {last && ledger?.pageInfo.hasNextPage && ledger.pageInfo.endCursor ? (
        <li className="me-more-item">
          <button type="button" className="secondary me-wide" onClick={() => onMore(ledger.pageInfo.endCursor!)}>
            Show older activity
          </button>
        </li>
      ) : null}
    </>
  );
}
