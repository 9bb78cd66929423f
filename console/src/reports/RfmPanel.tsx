import { Bar } from "react-chartjs-2";
import { useQuery } from "urql";
import { RfmSummaryDocument } from "../generated/graphql";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { formatDate, formatPoints } from "../ui/format";
import { ChartWithTable } from "./ChartWithTable";
import { COLORS } from "./charts";
import { CsvButton, exportPath } from "./CsvButton";

/** Customers per RFM segment from the latest run of the RFM job, and per score. */
export function RfmPanel() {
  const [{ data, fetching, error }] = useQuery({ query: RfmSummaryDocument });
  const summary = data?.rfmSummary;
  if (!summary) {
    return (
      <section className="card report-panel" aria-labelledby="rfm-heading">
        <h2 id="rfm-heading">RFM segments</h2>
        <RequestError error={error} />
        {fetching ? <Loading what="Loading the RFM segments" /> : null}
      </section>
    );
  }
  const largest = [...summary.segments].sort((a, b) => b.customers - a.customers)[0];
  const scores = [1, 2, 3, 4, 5];
  return (
    <ChartWithTable
      title="RFM segments"
      summary={
        largest && summary.customers
          ? `${formatPoints(summary.customers)} customers scored; the largest segment is ${largest.name} with ${formatPoints(largest.customers)}`
          : ""
      }
      empty={summary.customers ? undefined : "No customer has RFM scores yet (the job runs daily)."}
      note={
        <div className="panel-controls">
          <p className="muted small-print">{summary.computedAt ? `Scored ${formatDate(summary.computedAt)}.` : ""}</p>
          <CsvButton path={exportPath("rfm", {})} filename="rfm.csv" />
        </div>
      }
      chart={(label) => (
        <Bar
          aria-label={label}
          data={{
            labels: summary.segments.map((s) => s.name),
            datasets: [{ label: "Customers", data: summary.segments.map((s) => s.customers), backgroundColor: COLORS.spent }],
          }}
          options={{
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            plugins: { legend: { display: false } },
            scales: { y: { ticks: { callback: (value) => formatPoints(Number(value)) } } },
          }}
        />
      )}
      table={
        <>
          <caption>Customers per RFM segment, and per score (1 to 5, 5 best)</caption>
          <thead>
            <tr>
              <th scope="col">Segment or score</th>
              <th scope="col" className="num">Customers</th>
            </tr>
          </thead>
          <tbody>
            {summary.segments.map((s) => (
              <tr key={s.name}>
                <th scope="row">{s.name}</th>
                <td className="num">{formatPoints(s.customers)}</td>
              </tr>
            ))}
            {(["recency", "frequency", "monetary"] as const).flatMap((measure) =>
              scores.map((score) => (
                <tr key={`${measure}-${score}`}>
                  <th scope="row">
                    {measure[0].toUpperCase() + measure.slice(1)} {score}
                  </th>
                  <td className="num">{formatPoints(summary[measure][score - 1])}</td>
                </tr>
              )),
            )}
          </tbody>
        </>
      }
    />
  );
}
