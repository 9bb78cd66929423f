// The segment builder: conditions as rows (field, operator, value), all or any of them, with
// a live count of the customers they match (segmentPreview, asked half a second after the
// last change). A filter the rows cannot say is edited as JSON.
import { useEffect, useId, useState } from "react";
import { useQuery } from "urql";
import { SegmentPreviewDocument } from "../generated/graphql";
import { formatPoints } from "../ui/format";
import { RequestError } from "../ui/RequestError";
import {
  FIELDS,
  PERIOD_FIELDS,
  blankRow,
  filterToRows,
  rowsToFilter,
  valueKind,
  type Mode,
  type Row,
} from "./conditions";
import type { Filter } from "./definition";

type Props = {
  /** What the filter is for, in the labels: "Entry filter", "Branch filter". */
  label: string;
  filter: Filter | null | undefined;
  onChange: (filter: Filter | null) => void;
  /** A problem the server named on this filter (or below it). */
  error?: string;
  /** Whether a filter is required (a branch's): then there is no "everyone" choice. */
  required?: boolean;
};

export function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function SegmentBuilder({ label, filter, onChange, error, required }: Props) {
  const id = useId();
  const parsed = filterToRows(filter);
  const [asJson, setAsJson] = useState(parsed === null);
  const [mode, setMode] = useState<Mode>(parsed?.mode ?? "all");
  const rows = parsed?.rows ?? [];

  const setRows = (next: Row[], nextMode: Mode = mode) => onChange(rowsToFilter(nextMode, next));
  const setRow = (index: number, row: Row) => setRows(rows.map((r, i) => (i === index ? row : r)));

  return (
    <fieldset className="segment-builder">
      <legend>{label}</legend>
      {asJson || parsed === null ? (
        <JsonFilter label={`${label} as JSON`} filter={filter} onChange={onChange} />
      ) : (
        <>
          {rows.length > 1 ? (
            <div className="field">
              <label htmlFor={`${id}-mode`}>Customers who match</label>
              <select
                id={`${id}-mode`}
                value={mode}
                onChange={(e) => {
                  const next = e.target.value as Mode;
                  setMode(next);
                  setRows(rows, next);
                }}
              >
                <option value="all">all of these conditions</option>
                <option value="any">any of these conditions</option>
              </select>
            </div>
          ) : null}
          {rows.length === 0 ? (
            <p className="hint">{required ? "Add a condition." : "No condition: every customer."}</p>
          ) : (
            <ol className="condition-rows">
              {rows.map((row, index) => (
                <ConditionRow
                  key={index}
                  number={index + 1}
                  row={row}
                  onChange={(next) => setRow(index, next)}
                  onRemove={() => setRows(rows.filter((_, i) => i !== index))}
                />
              ))}
            </ol>
          )}
          <button type="button" className="secondary" onClick={() => setRows([...rows, blankRow()])}>
            Add condition
          </button>
        </>
      )}
      {parsed !== null ? (
        <button type="button" className="link-button" onClick={() => setAsJson(!asJson)}>
          {asJson ? "Edit as rows" : "Edit as JSON"}
        </button>
      ) : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <LiveCount filter={filter} />
    </fieldset>
  );
}

function ConditionRow({
  number,
  row,
  onChange,
  onRemove,
}: {
  number: number;
  row: Row;
  onChange: (row: Row) => void;
  onRemove: () => void;
}) {
  const id = useId();
  const spec = FIELDS[row.field];
  const kind = valueKind(row);
  return (
    <li className="condition-row">
      <div className="field">
        <label htmlFor={`${id}-field`}>Condition {number}</label>
        <select
          id={`${id}-field`}
          value={row.field}
          onChange={(e) => onChange({ ...blankRow(e.target.value), negate: row.negate })}
        >
          {Object.entries(FIELDS).map(([value, f]) => (
            <option key={value} value={value}>
              {f.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-op`}>Operator {number}</label>
        <select
          id={`${id}-op`}
          value={row.operator}
          onChange={(e) => {
            const operator = e.target.value;
            const nextKind = valueKind({ field: row.field, operator });
            const value = nextKind === "yesno" ? "true" : nextKind === kind ? row.value : "";
            onChange({ ...row, operator, value });
          }}
        >
          {spec.operators.map((o) => (
            <option key={o.id} value={o.id}>
              {o.label}
            </option>
          ))}
        </select>
      </div>
      {kind === "none" ? null : kind === "yesno" ? (
        <div className="field">
          <label htmlFor={`${id}-value`}>Value {number}</label>
          <select id={`${id}-value`} value={row.value} onChange={(e) => onChange({ ...row, value: e.target.value })}>
            <option value="true">yes</option>
            <option value="false">no</option>
          </select>
        </div>
      ) : (
        <div className="field">
          <label htmlFor={`${id}-value`}>Value {number}</label>
          <input
            id={`${id}-value`}
            value={row.value}
            inputMode={kind === "number" ? "numeric" : undefined}
            placeholder={kind === "moment" ? "P90D or 2026-01-31" : kind === "list" ? "Gold, VIP" : undefined}
            onChange={(e) => onChange({ ...row, value: e.target.value })}
          />
        </div>
      )}
      {PERIOD_FIELDS.includes(row.field) ? (
        <div className="field">
          <label htmlFor={`${id}-within`}>In the last {number}</label>
          <input
            id={`${id}-within`}
            value={row.within ?? ""}
            placeholder="P90D (empty: ever)"
            onChange={(e) => {
              const { within: _w, ...rest } = row;
              onChange(e.target.value ? { ...rest, within: e.target.value } : rest);
            }}
          />
        </div>
      ) : null}
      <label className="check">
        <input type="checkbox" checked={row.negate} onChange={(e) => onChange({ ...row, negate: e.target.checked })} />
        not
      </label>
      <button type="button" className="secondary" onClick={onRemove} aria-label={`Remove condition ${number}`}>
        Remove
      </button>
    </li>
  );
}

function JsonFilter({
  label,
  filter,
  onChange,
}: {
  label: string;
  filter: Filter | null | undefined;
  onChange: (filter: Filter | null) => void;
}) {
  const id = useId();
  const [text, setText] = useState(filter ? JSON.stringify(filter, null, 2) : "");
  const [bad, setBad] = useState<string | null>(null);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        rows={6}
        className="json"
        value={text}
        aria-invalid={bad ? true : undefined}
        onChange={(e) => {
          setText(e.target.value);
          if (!e.target.value.trim()) {
            setBad(null);
            onChange(null);
            return;
          }
          try {
            const value: unknown = JSON.parse(e.target.value);
            if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error();
            setBad(null);
            onChange(value as Filter);
          } catch {
            setBad("Not a JSON object yet.");
          }
        }}
      />
      {bad ? <small className="error">{bad}</small> : null}
    </div>
  );
}

/** How many customers the filter matches now, asked once the typing stops. */
export function LiveCount({ filter }: { filter: Filter | null | undefined }) {
  const key = useDebounced(filter ? JSON.stringify(filter) : "", 500);
  const [result] = useQuery({
    query: SegmentPreviewDocument,
    variables: { filter: key ? (JSON.parse(key) as Filter) : {}, first: 5 },
    pause: !key,
    requestPolicy: "network-only",
  });
  if (!key) return null;
  const preview = result.data?.segmentPreview;
  return (
    <div className="live-count" aria-live="polite">
      {result.fetching && !preview ? <span className="hint">Counting…</span> : null}
      <RequestError error={result.error} />
      {preview && preview.userErrors.length ? (
        <ul className="form-errors">
          {preview.userErrors.map((e, i) => (
            <li key={i}>
              {e.field ? <strong>{e.field}: </strong> : null}
              {e.message}
            </li>
          ))}
        </ul>
      ) : preview && preview.count !== null ? (
        <p>
          <strong className="count">{formatPoints(preview.count)}</strong> customers match now
          {preview.costClass === "HIGH" ? " (a costly query: fine nightly, slow live)" : ""}
          {preview.customers.length ? (
            <span className="hint">
              {" "}
              — e.g.{" "}
              {preview.customers
                .map((c) => [c.firstName, c.lastName].filter(Boolean).join(" ") || c.email || `#${c.id}`)
                .join(", ")}
            </span>
          ) : null}
        </p>
      ) : null}
    </div>
  );
}
