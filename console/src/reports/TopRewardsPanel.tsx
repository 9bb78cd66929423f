import { useQuery } from "urql";
import { TopRewardsDocument } from "../generated/graphql";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { formatPoints } from "../ui/format";
import { ScrollTable } from "./ChartWithTable";

/** The rewards claimed most in the period. */
export function TopRewardsPanel({ since, until }: { since: string; until: string }) {
  const [{ data, fetching, error }] = useQuery({ query: TopRewardsDocument, variables: { since, until, first: 10 } });
  const top = data?.topRewards;
  return (
    <section className="card report-panel" aria-labelledby="top-rewards-heading">
      <h2 id="top-rewards-heading">Top rewards</h2>
      <RequestError error={error} />
      {!top ? (
        fetching ? <Loading what="Loading the rewards" /> : null
      ) : top.length === 0 ? (
        <p className="muted">No reward was claimed in this period.</p>
      ) : (
        <ScrollTable label="Top rewards">
          <caption className="visually-hidden">The rewards claimed most in the period, most claimed first</caption>
          <thead>
            <tr>
              <th scope="col">Reward</th>
              <th scope="col" className="num">Claims</th>
              <th scope="col" className="num">Points</th>
              <th scope="col" className="num">Customers</th>
            </tr>
          </thead>
          <tbody>
            {top.map((row) => (
              <tr key={row.reward.id}>
                <th scope="row">
                  {row.reward.name}
                  <span className="muted cell-note">{formatPoints(row.reward.costPoints)} points each</span>
                </th>
                <td className="num">{formatPoints(row.claims)}</td>
                <td className="num">{formatPoints(row.points)}</td>
                <td className="num">{formatPoints(row.customers)}</td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
    </section>
  );
}
