// What a funnel did, beside the graph: its enrollments by status and each goal's conversions,
// per path of a random split with the uplift over the holdout path.
import { formatMoney, formatPoints } from "../ui/format";
import type { Statistics } from "./overlay";

export function StatisticsSummary({ statistics }: { statistics: Statistics }) {
  const s = statistics;
  return (
    <section className="card" aria-labelledby="stats-title">
      <h2 id="stats-title">Statistics</h2>
      <dl className="stats">
        <div><dt>Entered</dt><dd>{formatPoints(s.entered)}</dd></div>
        <div><dt>Inside now</dt><dd>{formatPoints(s.active)}</dd></div>
        <div><dt>Waiting</dt><dd>{formatPoints(s.waiting)}</dd></div>
        <div><dt>Completed</dt><dd>{formatPoints(s.completed)}</dd></div>
        <div><dt>Exited</dt><dd>{formatPoints(s.exited)}</dd></div>
        <div><dt>Failed</dt><dd>{formatPoints(s.failed)}</dd></div>
      </dl>
      {s.goals.length ? (
        <div className="table-scroll">
          <table>
            <caption>Goals: conversions per path (uplift over the holdout, in percentage points)</caption>
            <thead>
              <tr>
                <th scope="col">Goal</th>
                <th scope="col">Path</th>
                <th scope="col" className="num">Entered</th>
                <th scope="col" className="num">Converted</th>
                <th scope="col" className="num">Rate</th>
                <th scope="col" className="num">Uplift</th>
                <th scope="col" className="num">Revenue</th>
              </tr>
            </thead>
            <tbody>
              {s.goals.flatMap((g) => [
                <tr key={g.goal}>
                  <th scope="row">{g.goal}</th>
                  <td>all</td>
                  <td className="num">{formatPoints(g.reached)}</td>
                  <td className="num">{formatPoints(g.converted)}</td>
                  <td className="num">{g.reached ? `${((100 * g.converted) / g.reached).toFixed(1)}%` : "—"}</td>
                  <td className="num">—</td>
                  <td className="num">{formatMoney(g.revenueMinor)}</td>
                </tr>,
                ...g.paths.map((p) => (
                  <tr key={`${g.goal}-${p.splitStepId}-${p.path}`}>
                    <td />
                    <td>
                      {p.splitStepId} path {p.path + 1}
                      {p.holdout ? " (holdout)" : ""}
                    </td>
                    <td className="num">{formatPoints(p.entered)}</td>
                    <td className="num">{formatPoints(p.converted)}</td>
                    <td className="num">{`${p.conversionRate.toFixed(1)}%`}</td>
                    <td className="num">{p.upliftPoints === null ? "—" : `${p.upliftPoints > 0 ? "+" : ""}${p.upliftPoints.toFixed(1)}`}</td>
                    <td className="num">{formatMoney(p.revenueMinor)}</td>
                  </tr>
                )),
              ])}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
