// The reports: one period (from the address bar, so a link or a reload keeps it) drives the
// totals, the flow chart, the liability over time, the top rewards and the movements; the
// liability and the customers per category and badge are as of now.
import { useSearchParams } from "react-router";
import "./charts";
import { BadgesPanel, CategoriesPanel } from "./CustomersPanels";
import { FlowPanel } from "./FlowPanel";
import { LiabilityHistoryPanel } from "./LiabilityHistoryPanel";
import { LiabilityPanel } from "./LiabilityPanel";
import { MovementsPanel } from "./MovementsPanel";
import { PeriodPicker } from "./PeriodPicker";
import { TopRewardsPanel } from "./TopRewardsPanel";
import { TotalsPanel } from "./TotalsPanel";
import { periodFromSearch, periodInstants, type Period } from "./period";
import "./reports.css";

export default function ReportsPage() {
  const [params, setParams] = useSearchParams();
  const period = periodFromSearch(params);
  const { since, until } = periodInstants(period);
  const choose = (next: Period) => setParams({ from: next.from, to: next.to, by: next.granularity });
  return (
    <div className="reports">
      <h1>Reports</h1>
      <PeriodPicker key={`${period.from}/${period.to}/${period.granularity}`} period={period} onChange={choose} />
      <div className="report-grid">
        <TotalsPanel since={since} until={until} />
        <FlowPanel since={since} until={until} granularity={period.granularity} />
        <TopRewardsPanel since={since} until={until} />
        <LiabilityPanel />
        <LiabilityHistoryPanel since={since} until={until} granularity={period.granularity} />
        <CategoriesPanel />
        <BadgesPanel />
      </div>
      <MovementsPanel period={period} />
    </div>
  );
}
