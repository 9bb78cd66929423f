import { Bar } from "react-chartjs-2";
import { useQuery } from "urql";
import { CohortsDocument } from "../generated/graphql";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { formatPoints } from "../ui/format";
import { ChartWithTable } from "./ChartWithTable";
import { COLORS } from "./charts";
import { CsvButton, exportPath } from "./CsvButton";
import { cohortLabel, percent, retentionSeries } from "./bi";

const MONTHS = 6;

/** Retention and points of the customers who registered in each month of the period. */
export function CohortsPanel({ since, until, from, to }: { since: string; until: string; from: string; to: string }) {
  const [{ data, fetching, error }] = useQuery({ query: CohortsDocument, variables: { since, until, months: MONTHS } });
  const cohorts = data?.cohorts;
  if (!cohorts) {
    return (
      <section className="card report-panel" aria-labelledby="cohorts-heading">
        <h2 id="cohorts-heading">Cohorts</h2>
        <RequestError error={error} />
        {fetching ? <Loading what="Loading the cohorts" /> : null}
      </section>
    );
  }
  const labels = cohorts.map((c) => cohortLabel(c.startsAt));
  const series = retentionSeries(cohorts);
  const months = Array.from({ length: MONTHS + 1 }, (_, i) => i);
  return (
    <ChartWithTable
      title="Cohorts"
      summary={`Share of each registration month's customers who bought 1, 3 and 6 months later, for ${cohorts.length} cohorts`}
      empty={cohorts.length ? undefined : "Nobody registered in this period."}
      note={<CsvButton path={exportPath("cohorts", { since, until, months: String(MONTHS) })} filename={`cohorts-${from}-to-${to}.csv`} />}
      chart={(label) => (
        <Bar
          aria-label={label}
          data={{
            labels,
            datasets: series.map((s, i) => ({
              label: `Month ${s.month}`,
              data: s.values,
              backgroundColor: COLORS.series[i],
            })),
          }}
          options={{
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            plugins: { legend: { position: "bottom" } },
            scales: { y: { min: 0, max: 100, ticks: { callback: (value) => `${value}%` } } },
          }}
        />
      )}
      table={
        <>
          <caption>Buyers per month after registration (share of the cohort), and points earned, spent and expired</caption>
          <thead>
            <tr>
              <th scope="col">Registered</th>
              <th scope="col" className="num">Customers</th>
              {months.map((m) => (
                <th key={m} scope="col" className="num">
                  Month {m}
                </th>
              ))}
              <th scope="col" className="num">Earned</th>
              <th scope="col" className="num">Spent</th>
              <th scope="col" className="num">Expired</th>
            </tr>
          </thead>
          <tbody>
            {cohorts.map((c, i) => (
              <tr key={c.startsAt}>
                <th scope="row">{labels[i]}</th>
                <td className="num">{formatPoints(c.customers)}</td>
                {months.map((m) => {
                  const found = c.months.find((x) => x.month === m);
                  return (
                    <td key={m} className="num">
                      {found ? `${formatPoints(found.buyers)} (${percent(found.retention)})` : "—"}
                    </td>
                  );
                })}
                <td className="num">{formatPoints(c.months.reduce((sum, m) => sum + m.earned, 0))}</td>
                <td className="num">{formatPoints(c.months.reduce((sum, m) => sum + m.spent, 0))}</td>
                <td className="num">{formatPoints(c.months.reduce((sum, m) => sum + m.expired, 0))}</td>
              </tr>
            ))}
          </tbody>
        </>
      }
    />
  );
}
