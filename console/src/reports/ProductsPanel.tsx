import { useState } from "react";
import { Bar, Doughnut } from "react-chartjs-2";
import { useQuery } from "urql";
import { CustomersPerCardTypeDocument, TopProductsDocument, type ProductGrouping } from "../generated/graphql";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { Select } from "../ui/forms";
import { formatMoney, formatPoints, majorUnits, minorUnits } from "../ui/format";
import { ChartWithTable } from "./ChartWithTable";
import { COLORS } from "./charts";
import { CsvButton, exportPath } from "./CsvButton";

const GROUPINGS = [
  { value: "SKU", label: "Products (SKU)" },
  { value: "PRODUCT_LINE", label: "Product lines" },
];

/** The products (or product lines) members bought most in the period, by revenue. */
export function TopProductsPanel({ since, until, from, to }: { since: string; until: string; from: string; to: string }) {
  const [by, setBy] = useState<ProductGrouping>("SKU" as ProductGrouping);
  const [{ data, fetching, error }] = useQuery({ query: TopProductsDocument, variables: { since, until, by, first: 10 } });
  const top = data?.topProducts;
  const noun = by === "SKU" ? "products" : "product lines";
  const controls = (
    <div className="panel-controls">
      <Select label="Group by" options={GROUPINGS} value={by} onChange={(e) => setBy(e.target.value as ProductGrouping)} />
      <CsvButton path={exportPath("top-products", { since, until, by, first: "100" })} filename={`top-${by.toLowerCase()}-${from}-to-${to}.csv`} />
    </div>
  );
  if (!top) {
    return (
      <section className="card report-panel" aria-labelledby="top-products-heading">
        <h2 id="top-products-heading">Top products</h2>
        <RequestError error={error} />
        {fetching ? <Loading what="Loading the top products" /> : null}
      </section>
    );
  }
  const name = (key: string) => (key === "" ? "(no product line)" : key);
  return (
    <ChartWithTable
      title="Top products"
      summary={top.length ? `The ${top.length} ${noun} with the most member revenue, led by ${name(top[0].key)} at ${formatMoney(top[0].revenueMinor)}` : ""}
      empty={top.length ? undefined : "Members bought nothing in this period."}
      note={controls}
      chart={(label) => (
        <Bar
          aria-label={label}
          data={{
            labels: top.map((p) => name(p.key)),
            datasets: [{ label: "Revenue", data: top.map((p) => majorUnits(p.revenueMinor)), backgroundColor: COLORS.spent }],
          }}
          options={{
            indexAxis: "y",
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            plugins: { legend: { display: false } },
            scales: { x: { ticks: { callback: (value) => formatMoney(minorUnits(Number(value))) } } },
          }}
        />
      )}
      table={
        <>
          <caption>The {noun} members bought most, by revenue</caption>
          <thead>
            <tr>
              <th scope="col">{by === "SKU" ? "SKU" : "Product line"}</th>
              <th scope="col" className="num">Revenue</th>
              <th scope="col" className="num">Units</th>
              <th scope="col" className="num">Buyers</th>
            </tr>
          </thead>
          <tbody>
            {top.map((p) => (
              <tr key={p.key}>
                <th scope="row">{name(p.key)}</th>
                <td className="num">{formatMoney(p.revenueMinor)}</td>
                <td className="num">{formatPoints(p.units)}</td>
                <td className="num">{formatPoints(p.buyers)}</td>
              </tr>
            ))}
          </tbody>
        </>
      }
    />
  );
}

const CARD_NAMES: Record<string, string> = {
  POINTS: "Points",
  DISCOUNT: "Discount",
  CURRENT_DISCOUNT: "Current discount",
  PRIZE: "Prize",
};

/** How many customers hold an active card of each type now. */
export function CardTypesPanel() {
  const [{ data, fetching, error }] = useQuery({ query: CustomersPerCardTypeDocument });
  const types = data?.customersPerCardType;
  if (!types) {
    return (
      <section className="card report-panel" aria-labelledby="card-types-heading">
        <h2 id="card-types-heading">Customers per card type</h2>
        <RequestError error={error} />
        {fetching ? <Loading what="Loading the card types" /> : null}
      </section>
    );
  }
  const held = types.filter((t) => t.customers > 0);
  return (
    <ChartWithTable
      title="Customers per card type"
      summary={held.map((t) => `${formatPoints(t.customers)} with a ${CARD_NAMES[t.type] ?? t.type} card`).join(", ")}
      empty={held.length ? undefined : "No customer holds an active card."}
      note={<CsvButton path={exportPath("card-types", {})} filename="card-types.csv" />}
      chart={(label) => (
        <Doughnut
          aria-label={label}
          data={{
            labels: held.map((t) => CARD_NAMES[t.type] ?? t.type),
            datasets: [{ data: held.map((t) => t.customers), backgroundColor: COLORS.series }],
          }}
          options={{ responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: "bottom" } } }}
        />
      )}
      table={
        <>
          <caption>Customers holding an active card of each type, and the cards by status</caption>
          <thead>
            <tr>
              <th scope="col">Card type</th>
              <th scope="col" className="num">Customers</th>
              <th scope="col" className="num">Active</th>
              <th scope="col" className="num">Blocked</th>
              <th scope="col" className="num">Lost</th>
              <th scope="col" className="num">Replaced</th>
            </tr>
          </thead>
          <tbody>
            {types.map((t) => (
              <tr key={t.type}>
                <th scope="row">{CARD_NAMES[t.type] ?? t.type}</th>
                <td className="num">{formatPoints(t.customers)}</td>
                <td className="num">{formatPoints(t.active)}</td>
                <td className="num">{formatPoints(t.blocked)}</td>
                <td className="num">{formatPoints(t.lost)}</td>
                <td className="num">{formatPoints(t.replaced)}</td>
              </tr>
            ))}
          </tbody>
        </>
      }
    />
  );
}
