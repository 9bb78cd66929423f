import { Bar, Doughnut } from "react-chartjs-2";
import { useQuery } from "urql";
import { CustomersPerBadgeDocument, CustomersPerCategoryDocument, type BadgeBasis } from "../generated/graphql";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { formatPoints } from "../ui/format";
import { ChartWithTable } from "./ChartWithTable";
import { COLORS } from "./charts";

function plural(count: number, one: string, many: string): string {
  return `${formatPoints(count)} ${count === 1 ? one : many}`;
}

/** How the customers spread over the categories (tiers) now, and their points. */
export function CategoriesPanel() {
  const [{ data, fetching, error }] = useQuery({ query: CustomersPerCategoryDocument });
  const rows = data?.customersPerCategory;
  if (!rows) {
    return (
      <section className="card report-panel" aria-labelledby="categories-heading">
        <h2 id="categories-heading">Customers per category</h2>
        <RequestError error={error} />
        {fetching ? <Loading what="Loading the categories" /> : null}
      </section>
    );
  }
  const total = rows.reduce((sum, r) => sum + r.customers, 0);
  const summary = `Customers per category now: ${rows.map((r) => `${r.category.name} ${plural(r.customers, "customer", "customers")}`).join(", ")}.`;
  return (
    <ChartWithTable
      title="Customers per category"
      summary={summary}
      empty={total === 0 ? "No customers yet." : undefined}
      chart={(label) => (
        <Doughnut
          aria-label={label}
          data={{
            labels: rows.map((r) => r.category.name),
            datasets: [
              {
                label: "Customers",
                data: rows.map((r) => r.customers),
                backgroundColor: rows.map((_, i) => COLORS.series[i % COLORS.series.length]),
                borderColor: "#ffffff",
              },
            ],
          }}
          options={{ responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: "right" } } }}
        />
      )}
      table={
        <>
          <caption>Customers per category now</caption>
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col" className="num">Customers</th>
              <th scope="col" className="num">Points</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.category.id}>
                <th scope="row">
                  {r.category.name}
                  {r.category.isDefault ? <span className="muted"> (default)</span> : null}
                </th>
                <td className="num">{formatPoints(r.customers)}</td>
                <td className="num">{formatPoints(r.balance)}</td>
              </tr>
            ))}
          </tbody>
        </>
      }
    />
  );
}

function range(basis: BadgeBasis, min: number, max: number | null): string {
  const points = max === null ? `${formatPoints(min)}+ points` : `${formatPoints(min)}–${formatPoints(max)} points`;
  return basis === "LIFETIME" ? `${points} earned in all` : `${points} of balance`;
}

/** How many customers hold each badge now, and their points. */
export function BadgesPanel() {
  const [{ data, fetching, error }] = useQuery({ query: CustomersPerBadgeDocument });
  const rows = data?.customersPerBadge;
  if (!rows) {
    return (
      <section className="card report-panel" aria-labelledby="badges-heading">
        <h2 id="badges-heading">Customers per badge</h2>
        <RequestError error={error} />
        {fetching ? <Loading what="Loading the badges" /> : null}
      </section>
    );
  }
  const summary = `Customers holding each badge now: ${rows.map((r) => `${r.badge.title} ${plural(r.customers, "customer", "customers")}`).join(", ")}.`;
  return (
    <ChartWithTable
      title="Customers per badge"
      summary={summary}
      empty={rows.length === 0 ? "The program has no badges." : undefined}
      chart={(label) => (
        <Bar
          aria-label={label}
          data={{
            labels: rows.map((r) => r.badge.title),
            datasets: [{ label: "Customers", data: rows.map((r) => r.customers), backgroundColor: COLORS.spent, maxBarThickness: 48 }],
          }}
          options={{
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { grid: { display: false } } },
            plugins: { legend: { display: false } },
          }}
        />
      )}
      table={
        <>
          <caption>Customers per badge now</caption>
          <thead>
            <tr>
              <th scope="col">Badge</th>
              <th scope="col">Range</th>
              <th scope="col" className="num">Customers</th>
              <th scope="col" className="num">Points</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.badge.id}>
                <th scope="row">
                  {r.badge.title}
                  {r.badge.active ? null : <span className="muted"> (inactive)</span>}
                </th>
                <td>{range(r.badge.basis, r.badge.minPoints, r.badge.maxPoints)}</td>
                <td className="num">{formatPoints(r.customers)}</td>
                <td className="num">{formatPoints(r.balance)}</td>
              </tr>
            ))}
          </tbody>
        </>
      }
    />
  );
}
