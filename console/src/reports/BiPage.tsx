// Business intelligence: one period (from the address bar, as the reports page keeps it)
// drives the ROI, the cohorts of the customers who registered in it and the top products;
// the card types and the RFM segments are as of now.
import { useSearchParams } from "react-router";
import "./charts";
import { CohortsPanel } from "./CohortsPanel";
import { PeriodPicker } from "./PeriodPicker";
import { CardTypesPanel, TopProductsPanel } from "./ProductsPanel";
import { RfmPanel } from "./RfmPanel";
import { RoiPanel } from "./RoiPanel";
import { periodFromSearch, periodInstants, type Period } from "./period";
import "./reports.css";

export default function BiPage() {
  const [params, setParams] = useSearchParams();
  const period = periodFromSearch(params);
  const { since, until } = periodInstants(period);
  const choose = (next: Period) => setParams({ from: next.from, to: next.to, by: next.granularity });
  const span = { since, until, from: period.from, to: period.to };
  return (
    <div className="reports">
      <h1>Insights</h1>
      <PeriodPicker key={`${period.from}/${period.to}/${period.granularity}`} period={period} onChange={choose} />
      <div className="report-grid bi-grid">
        <RoiPanel {...span} />
        <CohortsPanel {...span} />
        <TopProductsPanel {...span} />
        <CardTypesPanel />
        <RfmPanel />
      </div>
    </div>
  );
}
