import { Bar } from "react-chartjs-2";
import { useQuery } from "urql";
import { PointsFlowDocument, type ReportGranularity } from "../generated/graphql";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { formatPoints } from "../ui/format";
import { ChartWithTable } from "./ChartWithTable";
import { COLORS } from "./charts";
import { flowLabels, flowSeries, flowSummary } from "./flow";
import { browserTimeZone } from "./period";

/** Earned against spent, taken back and expired, per day, week or month of the period. */
export function FlowPanel({ since, until, granularity }: { since: string; until: string; granularity: ReportGranularity }) {
  const [{ data, fetching, error }] = useQuery({
    query: PointsFlowDocument,
    variables: { since, until, granularity, timeZone: browserTimeZone() },
  });
  const buckets = data?.pointsFlow;
  if (!buckets) {
    return (
      <section className="card report-panel" aria-labelledby="flow-heading">
        <h2 id="flow-heading">Points flow</h2>
        <RequestError error={error} />
        {fetching ? <Loading what="Loading the points flow" /> : null}
      </section>
    );
  }
  const labels = flowLabels(buckets, granularity);
  const series = flowSeries(buckets);
  const quiet = buckets.every((b) => b.operations === 0);
  return (
    <ChartWithTable
      title="Points flow"
      summary={flowSummary(buckets, granularity)}
      empty={quiet ? "No points moved in this period." : undefined}
      note={<RequestError error={error} />}
      chart={(label) => (
        <Bar
          aria-label={label}
          data={{
            labels,
            datasets: series.map((s) => ({
              label: s.label,
              data: s.values,
              backgroundColor: COLORS[s.key],
              stack: "flow",
              maxBarThickness: 48,
            })),
          }}
          options={{
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            interaction: { mode: "index", intersect: false },
            scales: {
              x: { stacked: true, grid: { display: false } },
              y: { stacked: true, ticks: { callback: (value) => formatPoints(Number(value)) } },
            },
            plugins: {
              legend: { position: "bottom" },
              tooltip: {
                callbacks: {
                  label: (item) => `${item.dataset.label}: ${formatPoints(Math.abs(Number(item.raw)))}`,
                },
              },
            },
          }}
        />
      )}
      table={
        <>
          <caption>Points flow per {granularity === "DAY" ? "day" : granularity === "WEEK" ? "week" : "month"}</caption>
          <thead>
            <tr>
              <th scope="col">Period</th>
              <th scope="col" className="num">Earned</th>
              <th scope="col" className="num">Taken back</th>
              <th scope="col" className="num">Spent</th>
              <th scope="col" className="num">Expired</th>
              <th scope="col" className="num">Other</th>
              <th scope="col" className="num">Net</th>
              <th scope="col" className="num">Operations</th>
            </tr>
          </thead>
          <tbody>
            {buckets.map((b, i) => (
              <tr key={b.startsAt}>
                <th scope="row">{labels[i]}</th>
                <td className="num">{formatPoints(b.earned)}</td>
                <td className="num">{formatPoints(b.takenBack)}</td>
                <td className="num">{formatPoints(b.spent)}</td>
                <td className="num">{formatPoints(b.expired)}</td>
                <td className="num">{formatPoints(b.other)}</td>
                <td className="num">{formatPoints(b.net)}</td>
                <td className="num">{formatPoints(b.operations)}</td>
              </tr>
            ))}
          </tbody>
        </>
      }
    />
  );
}
