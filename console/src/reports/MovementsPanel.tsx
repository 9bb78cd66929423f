import { useState, type FormEvent } from "react";
import { useQuery } from "urql";
import { LedgerMovementsDocument, type LedgerEntryKind, type LedgerMovementFilter } from "../generated/graphql";
import { Field, Select } from "../ui/forms";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { actorLabel } from "../ui/actors";
import { formatDate, formatPoints } from "../ui/format";
import { ScrollTable } from "./ChartWithTable";
import { CustomerPicker, type PickedCustomer } from "./CustomerPicker";
import { CsvButton } from "./CsvButton";
import { EMPTY_FORM, KIND_LABELS, exportUrl, formProblems, movementFilter, type FormProblems, type MovementForm } from "./movements";
import { dayInWords, type Period } from "./period";

const PAGE_SIZES = [10, 25, 50, 100];
const KIND_OPTIONS = [
  { value: "", label: "Any kind" },
  ...(Object.entries(KIND_LABELS) as [LedgerEntryKind, string][]).map(([value, label]) => ({ value, label })),
];

/** Every customer's movements in the period, filtered, a page at a time, and as CSV. */
export function MovementsPanel({ period }: { period: Pick<Period, "from" | "to"> }) {
  const [form, setForm] = useState<MovementForm>(EMPTY_FORM);
  const [picked, setPicked] = useState<PickedCustomer | null>(null);
  const [applied, setApplied] = useState<MovementForm>(EMPTY_FORM);
  const [appliedCustomer, setAppliedCustomer] = useState<PickedCustomer | null>(null);
  const [problems, setProblems] = useState<FormProblems>({});
  const [pageSize, setPageSize] = useState(25);
  const filter = movementFilter(applied, period);

  const change = (name: keyof MovementForm) => (value: string) => setForm({ ...form, [name]: value });
  const apply = (event: FormEvent) => {
    event.preventDefault();
    const found = formProblems(form);
    setProblems(found);
    if (Object.keys(found).length) return;
    setApplied({ ...form, customerId: picked?.id ?? "" });
    setAppliedCustomer(picked);
  };
  const clear = () => {
    setForm(EMPTY_FORM);
    setPicked(null);
    setProblems({});
    setApplied(EMPTY_FORM);
    setAppliedCustomer(null);
  };
  const filtered = Boolean(applied.customerId || applied.minPoints || applied.maxPoints || applied.reason.trim() || applied.kind);

  return (
    <section className="card report-panel movements" aria-labelledby="movements-heading">
      <div className="panel-head">
        <h2 id="movements-heading">Movements</h2>
        <CsvDownload filter={filter} period={period} />
      </div>
      <p className="muted">
        From {dayInWords(period.from)} to {dayInWords(period.to)}, newest first
        {filtered ? (
          <>
            {", filtered"}
            {appliedCustomer ? ` to ${appliedCustomer.label}` : ""}
          </>
        ) : null}
        .
      </p>
      <form className="movement-filters" onSubmit={apply} aria-label="Filter the movements" noValidate>
        <CustomerPicker picked={picked} onPick={setPicked} />
        <Field
          label="Least points"
          inputMode="numeric"
          value={form.minPoints}
          onChange={(e) => change("minPoints")(e.target.value)}
          error={problems.minPoints}
          hint="Signed: debits are negative"
        />
        <Field
          label="Most points"
          inputMode="numeric"
          value={form.maxPoints}
          onChange={(e) => change("maxPoints")(e.target.value)}
          error={problems.maxPoints}
        />
        <Field
          label="Reason contains"
          value={form.reason}
          onChange={(e) => change("reason")(e.target.value)}
          error={problems.reason}
          hint="Found in the note, any case"
        />
        <Select label="Kind" options={KIND_OPTIONS} value={form.kind} onChange={(e) => change("kind")(e.target.value)} />
        <div className="filter-actions">
          <button type="submit">Apply filters</button>
          <button type="button" className="secondary" onClick={clear}>
            Clear
          </button>
        </div>
      </form>
      <MovementsTable key={JSON.stringify([filter, pageSize])} filter={filter} pageSize={pageSize} onPageSize={setPageSize} />
    </section>
  );
}

function customerName(customer: { firstName: string | null; lastName: string | null; externalRef: string | null; id: string }): string {
  return [customer.firstName, customer.lastName].filter(Boolean).join(" ") || customer.externalRef || `Customer ${customer.id}`;
}

function MovementsTable({
  filter,
  pageSize,
  onPageSize,
}: {
  filter: LedgerMovementFilter;
  pageSize: number;
  onPageSize: (size: number) => void;
}) {
  // The cursors of the pages seen so far: the last one is the page shown (null: the first).
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1];
  const [{ data, fetching, error }] = useQuery({
    query: LedgerMovementsDocument,
    variables: { first: pageSize, after, filter },
  });
  const page = data?.ledgerMovements;
  const rows = page?.edges ?? [];
  const pageNumber = cursors.length;

  return (
    <div className="movements-results">
      <RequestError error={error} />
      {!page ? (
        fetching ? <Loading what="Loading the movements" /> : null
      ) : rows.length === 0 ? (
        <p className="muted" role="status">
          No movement matches.
        </p>
      ) : (
        <ScrollTable label="Movements">
          <caption className="visually-hidden">Movements, newest first, page {pageNumber}</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Customer</th>
              <th scope="col" className="num">Points</th>
              <th scope="col" className="num">Balance after</th>
              <th scope="col">Kind</th>
              <th scope="col">Note</th>
              <th scope="col">Source</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ node: { entry, customer } }) => (
              <tr key={entry.id}>
                <td className="nowrap">{formatDate(entry.createdAt)}</td>
                <td>
                  {customer ? (
                    <>
                      {customerName(customer)}
                      {customer.externalRef ? <span className="muted cell-note">{customer.externalRef}</span> : null}
                    </>
                  ) : (
                    "–"
                  )}
                </td>
                <td className={`num ${entry.points < 0 ? "debit" : "credit"}`}>
                  {entry.points > 0 ? "+" : ""}
                  {formatPoints(entry.points)}
                </td>
                <td className="num">{formatPoints(entry.balanceAfter)}</td>
                <td>
                  {KIND_LABELS[entry.kind] ?? entry.kind}
                  {entry.reversesEntryId ? <span className="muted cell-note">of entry {entry.reversesEntryId}</span> : null}
                </td>
                <td>{entry.note}</td>
                <td>{[entry.sourceType, entry.source].filter(Boolean).join(" ")}</td>
                <td title={entry.actor}>{actorLabel(entry.actor)}</td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
      <nav className="pager" aria-label="Movement pages">
        <button
          type="button"
          className="secondary"
          disabled={cursors.length === 1}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Previous page
        </button>
        <span aria-live="polite">Page {pageNumber}</span>
        <button
          type="button"
          className="secondary"
          disabled={!page?.pageInfo.hasNextPage || !page.pageInfo.endCursor}
          onClick={() => page?.pageInfo.endCursor && setCursors([...cursors, page.pageInfo.endCursor])}
        >
          Next page
        </button>
        <Select
          label="Rows per page"
          options={PAGE_SIZES.map((size) => ({ value: String(size), label: String(size) }))}
          value={String(pageSize)}
          onChange={(e) => onPageSize(Number(e.target.value))}
        />
      </nav>
    </div>
  );
}

/** "Download CSV": the export endpoint with the table's filter, sent with the session's token. */
function CsvDownload({ filter, period }: { filter: LedgerMovementFilter; period: Pick<Period, "from" | "to"> }) {
  return <CsvButton path={exportUrl(filter)} filename={`ledger-movements-${period.from}-to-${period.to}.csv`} />;
}
