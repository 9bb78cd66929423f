import { Bar } from "react-chartjs-2";
import { useQuery } from "urql";
import { LiabilityHistoryDocument, type ReportGranularity } from "../generated/graphql";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { formatMoney, formatPoints } from "../ui/format";
import { ChartWithTable } from "./ChartWithTable";
import { COLORS } from "./charts";
import { bucketLabel, browserTimeZone } from "./period";

/** What the program owed at the end of each day, week or month of the period. */
export function LiabilityHistoryPanel({
  since,
  until,
  granularity,
}: {
  since: string;
  until: string;
  granularity: ReportGranularity;
}) {
  const [{ data, fetching, error }] = useQuery({
    query: LiabilityHistoryDocument,
    variables: { since, until, granularity, timeZone: browserTimeZone() },
  });
  const points = data?.liabilityHistory;
  if (!points) {
    return (
      <section className="card report-panel" aria-labelledby="liability-history-heading">
        <h2 id="liability-history-heading">Liability over time</h2>
        <RequestError error={error} />
        {fetching ? <Loading what="Loading the liability over time" /> : null}
      </section>
    );
  }
  const labels = points.map((p) => bucketLabel(p.startsAt, granularity));
  const last = points[points.length - 1];
  const step = granularity === "DAY" ? "day" : granularity === "WEEK" ? "week" : "month";
  const summary = last
    ? `Outstanding points at the end of each ${step}, ${formatPoints(last.balance)} (${formatMoney(last.valueMinor)}) at the last. The table below gives every ${step}.`
    : "No figures.";
  return (
    <ChartWithTable
      title="Liability over time"
      summary={summary}
      note={<RequestError error={error} />}
      chart={(label) => (
        <Bar
          aria-label={label}
          data={{
            labels,
            datasets: [{ label: "Outstanding points", data: points.map((p) => p.balance), backgroundColor: COLORS.spent, maxBarThickness: 48 }],
          }}
          options={{
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            scales: { x: { grid: { display: false } }, y: { ticks: { callback: (value) => formatPoints(Number(value)) } } },
            plugins: { legend: { display: false } },
          }}
        />
      )}
      table={
        <>
          <caption>Outstanding points and their value at the end of each {step}</caption>
          <thead>
            <tr>
              <th scope="col">Period</th>
              <th scope="col" className="num">Outstanding points</th>
              <th scope="col" className="num">Value</th>
            </tr>
          </thead>
          <tbody>
            {points.map((p, i) => (
              <tr key={p.startsAt}>
                <th scope="row">{labels[i]}</th>
                <td className="num">{formatPoints(p.balance)}</td>
                <td className="num">{formatMoney(p.valueMinor)}</td>
              </tr>
            ))}
          </tbody>
        </>
      }
    />
  );
}
