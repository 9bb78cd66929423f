// The customer's movements, newest first, a page at a time, filtered by dates, kind and
// points; a manual movement may be reversed (ADJUST_POINTS) after a confirmation.
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { useQuery } from "urql";
import {
  CustomerLedgerDocument,
  type CustomerLedgerQuery,
  type LedgerEntryKind,
  type LedgerFilter,
} from "../generated/graphql";
import { Field, Select } from "../ui/forms";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { formatDate, formatPoints } from "../ui/format";
import { NO_LEDGER_FILTER, ledgerFilter, type LedgerFilterForm } from "./forms";
import { actorLabel } from "../ui/actors";
import { KIND_LABELS, signedPoints } from "./labels";
import { Pager, useCursors } from "./Pager";
import { ReverseDialog } from "./ReverseDialog";

const PAGE_SIZE = 10;

export type LedgerRow = NonNullable<CustomerLedgerQuery["customer"]>["ledger"]["edges"][number]["node"];

export function LedgerSection({
  customerId,
  canReverse,
  changes,
  onReversed,
}: {
  customerId: string;
  canReverse: boolean;
  /** Bumped when the points changed: back to the newest page, asked again. */
  changes: number;
  onReversed: () => void;
}) {
  const [filter, setFilter] = useState<LedgerFilter | null>(null);
  const cursors = useCursors();
  const { reset } = cursors;
  useEffect(() => reset(), [changes, filter, reset]);
  const context = useMemo(
    () => (changes ? { requestPolicy: "network-only" as const, changes } : undefined),
    [changes],
  );
  const [result] = useQuery({
    query: CustomerLedgerDocument,
    variables: { id: customerId, first: PAGE_SIZE, after: cursors.after, filter },
    context,
  });
  const [reversing, setReversing] = useState<LedgerRow | null>(null);
  const [reversed, setReversed] = useState<string | null>(null);
  const ledger = result.data?.customer?.ledger;

  return (
    <section className="card" aria-labelledby="ledger-heading">
      <h2 id="ledger-heading">Ledger</h2>
      <LedgerFilters onApply={setFilter} />
      {reversed ? (
        <p className="ok" role="status">
          {reversed}
        </p>
      ) : null}
      <RequestError error={result.error} />
      {!ledger ? (
        result.error ? null : <Loading what="Loading the movements" />
      ) : ledger.edges.length === 0 ? (
        <p role="status">{filter ? "No movement matches these filters." : "No movement yet."}</p>
      ) : (
        <div className="table-scroll">
          <table className="ledger">
            <caption className="visually-hidden">Movements, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Movement</th>
                <th scope="col" className="num">Points</th>
                <th scope="col" className="num">Balance after</th>
                <th scope="col">Note</th>
                <th scope="col">By</th>
                {canReverse ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {ledger.edges.map(({ node }) => (
                <tr key={node.id}>
                  <td className="nowrap">{formatDate(node.createdAt)}</td>
                  <td>
                    {KIND_LABELS[node.kind]}
                    {node.source ? <small className="block">{node.source}</small> : null}
                    {node.reversesEntryId ? (
                      <small className="block">reverses entry {node.reversesEntryId}</small>
                    ) : null}
                    {node.reversedByEntryId ? <span className="badge">Reversed</span> : null}
                  </td>
                  <td className={`num ${node.points < 0 ? "debit" : "credit"}`}>{signedPoints(node.points)}</td>
                  <td className="num">{formatPoints(node.balanceAfter)}</td>
                  <td>{node.note}</td>
                  <td>{actorLabel(node.actor)}</td>
                  {canReverse ? (
                    <td>
                      {node.kind === "MANUAL" && !node.reversedByEntryId ? (
                        <button
                          type="button"
                          className="secondary small"
                          onClick={() => {
                            setReversed(null);
                            setReversing(node);
                          }}
                          aria-label={`Reverse ${signedPoints(node.points)} points of ${formatDate(node.createdAt)}`}
                        >
                          Reverse
                        </button>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {ledger ? (
        <Pager
          label="Ledger pages"
          page={cursors.page}
          hasNext={ledger.pageInfo.hasNextPage}
          onPrevious={cursors.previous}
          onNext={() => cursors.next(ledger.pageInfo.endCursor)}
          previousLabel="Newer movements"
          nextLabel="Older movements"
        />
      ) : null}
      {reversing ? (
        <ReverseDialog
          entry={reversing}
          onCancel={() => setReversing(null)}
          onDone={(message) => {
            setReversing(null);
            setReversed(message);
            onReversed();
          }}
        />
      ) : null}
    </section>
  );
}

const KIND_OPTIONS = [
  { value: "", label: "Any kind" },
  ...(Object.entries(KIND_LABELS) as [LedgerEntryKind, string][]).map(([value, label]) => ({ value, label })),
];

function LedgerFilters({ onApply }: { onApply: (filter: LedgerFilter | null) => void }) {
  const [form, setForm] = useState<LedgerFilterForm>(NO_LEDGER_FILTER);
  const [errors, setErrors] = useState<Partial<Record<keyof LedgerFilterForm, string>>>({});
  const set = (field: keyof LedgerFilterForm) => (e: { target: { value: string } }) =>
    setForm({ ...form, [field]: e.target.value });

  function apply(event: FormEvent) {
    event.preventDefault();
    const checked = ledgerFilter(form);
    setErrors(checked.errors ?? {});
    if (!checked.errors) onApply(checked.filter);
  }

  return (
    <form className="filters" aria-label="Filter the movements" onSubmit={apply}>
      <Field label="From" type="date" value={form.since} onChange={set("since")} error={errors.since} />
      <Field label="To" type="date" value={form.until} onChange={set("until")} error={errors.until} />
      <Select label="Kind" options={KIND_OPTIONS} value={form.kind} onChange={set("kind")} />
      <Field label="Points from" inputMode="numeric" size={7} value={form.minPoints} onChange={set("minPoints")} error={errors.minPoints} />
      <Field label="Points to" inputMode="numeric" size={7} value={form.maxPoints} onChange={set("maxPoints")} error={errors.maxPoints} />
      <div className="field button-field">
        <button type="submit">Filter</button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setForm(NO_LEDGER_FILTER);
            setErrors({});
            onApply(null);
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}
