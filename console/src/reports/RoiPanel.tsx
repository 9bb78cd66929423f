import { Bar } from "react-chartjs-2";
import { useQuery } from "urql";
import { RoiReportDocument, type RoiReportQuery } from "../generated/graphql";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { formatMoney, formatPoints, majorUnits, minorUnits } from "../ui/format";
import type { ReactNode } from "react";
import { ChartWithTable } from "./ChartWithTable";
import { COLORS } from "./charts";
import { CsvButton, exportPath } from "./CsvButton";
import { percent, roiPercent, roiSummary, shopChannel } from "./bi";

type Report = RoiReportQuery["roiReport"];

/** The program's ROI for the period: its figures, revenue against cost as a chart, and each
 * shop and channel as a table. */
export function RoiPanel({ since, until, from, to }: { since: string; until: string; from: string; to: string }) {
  const [{ data, fetching, error }] = useQuery({ query: RoiReportDocument, variables: { since, until } });
  const report = data?.roiReport;
  if (!report) {
    return (
      <section className="card report-panel" aria-labelledby="roi-heading">
        <h2 id="roi-heading">Return on investment</h2>
        <RequestError error={error} />
        {fetching ? <Loading what="Loading the ROI" /> : null}
      </section>
    );
  }
  return (
    <>
      <RoiFigures report={report} csv={<CsvButton path={exportPath("roi", { since, until })} filename={`roi-${from}-to-${to}.csv`} />} />
      <ChartWithTable
        title="Revenue and cost by shop"
        summary={roiSummary(report.total.sales.revenueMinor, report.costMinor, report.roi ?? null, formatMoney)}
        empty={report.rows.length ? undefined : "No member bought and nothing was given in this period."}
        chart={(label) => (
          <Bar
            aria-label={label}
            data={{
              labels: report.rows.map((r) => shopChannel(r.shop ?? null, r.channel ?? null)),
              datasets: [
                { label: "Member revenue", data: report.rows.map((r) => majorUnits(r.sales.revenueMinor)), backgroundColor: COLORS.earned },
                { label: "Cost given", data: report.rows.map((r) => majorUnits(r.costs.totalMinor)), backgroundColor: COLORS.takenBack },
              ],
            }}
            options={{
              responsive: true,
              maintainAspectRatio: false,
              animation: false,
              plugins: { legend: { position: "bottom" } },
              scales: { y: { ticks: { callback: (value) => formatMoney(minorUnits(Number(value))) } } },
            }}
          />
        )}
        table={<RoiTable report={report} />}
      />
    </>
  );
}

function RoiFigures({ report, csv }: { report: Report; csv: ReactNode }) {
  const sales = report.total.sales;
  const figures: [string, string, boolean?][] = [
    ["ROI", roiPercent(report.roi), true],
    ["Incremental revenue", formatMoney(report.incrementalRevenueMinor)],
    ["Program cost", formatMoney(report.costMinor)],
    ["Member revenue", formatMoney(sales.revenueMinor)],
    ["Orders", formatPoints(sales.orders)],
    ["Average order", sales.averageOrderMinor == null ? "—" : formatMoney(sales.averageOrderMinor)],
    ["Active members", formatPoints(sales.activeMembers)],
    ["New members", formatPoints(report.newMembers)],
    ["Repeat rate", percent(sales.repeatRate)],
    ["Liability change", formatMoney(report.liabilityChangeMinor)],
    ["Breakage", formatMoney(report.breakageMinor)],
    ["Members with a baseline", formatPoints(report.baselinedMembers)],
  ];
  return (
    <section className="card report-panel" aria-labelledby="roi-heading">
      <div className="panel-head">
        <h2 id="roi-heading">Return on investment</h2>
        {csv}
      </div>
      <dl className="figures">
        {figures.map(([label, value, lead]) => (
          <div key={label} className={lead ? "figure lead" : "figure"}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <p className="muted small-print">
        ROI = (incremental revenue − cost) ÷ cost. Incremental revenue: members' spend in the period against
        their spend in as long a stretch before they joined, for the members whose shop reported it.
      </p>
    </section>
  );
}

function RoiTable({ report }: { report: Report }) {
  return (
    <>
      <caption>Member revenue and cost given, by shop and channel</caption>
      <thead>
        <tr>
          <th scope="col">Shop and channel</th>
          <th scope="col" className="num">Revenue</th>
          <th scope="col" className="num">Orders</th>
          <th scope="col" className="num">Members</th>
          <th scope="col" className="num">Points paid</th>
          <th scope="col" className="num">Vouchers</th>
          <th scope="col" className="num">Discounts</th>
          <th scope="col" className="num">Cost</th>
        </tr>
      </thead>
      <tbody>
        {[...report.rows.map((r) => ({ heading: shopChannel(r.shop ?? null, r.channel ?? null), ...r })),
          { heading: "All shops · all channels", ...report.total }].map((r) => (
          <tr key={r.heading}>
            <th scope="row">{r.heading}</th>
            <td className="num">{formatMoney(r.sales.revenueMinor)}</td>
            <td className="num">{formatPoints(r.sales.orders)}</td>
            <td className="num">{formatPoints(r.sales.activeMembers)}</td>
            <td className="num">{formatMoney(r.costs.pointsPaidMinor)}</td>
            <td className="num">{formatMoney(r.costs.vouchersMinor)}</td>
            <td className="num">{formatMoney(r.costs.memberPricesMinor + r.costs.cardDiscountsMinor + r.costs.currentDiscountsMinor)}</td>
            <td className="num">{formatMoney(r.costs.totalMinor)}</td>
          </tr>
        ))}
      </tbody>
    </>
  );
}
