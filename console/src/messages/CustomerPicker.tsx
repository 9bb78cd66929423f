// Find a customer by name, email, phone or card and pick one (for the preview, the test
// send and the delivery log's filter); shows the customer's points so the marketer knows
// what the preview should say.
import { useId, useState } from "react";
import { useQuery } from "urql";
import { CustomersListDocument } from "../generated/graphql";
import { formatPoints } from "../ui/format";
import { RequestError } from "../ui/RequestError";
import { useDebounced } from "./hooks";

export type PickedCustomer = { id: string; name: string; balance: number; email: string | null };

const RESULTS = 6;

export function CustomerPicker({
  label,
  value,
  onChange,
  hint,
}: {
  label: string;
  value: PickedCustomer | null;
  onChange: (customer: PickedCustomer | null) => void;
  hint?: string;
}) {
  const id = useId();
  const [search, setSearch] = useState("");
  const term = useDebounced(search.trim(), 300);
  const [{ data, fetching, error }] = useQuery({
    query: CustomersListDocument,
    variables: { first: RESULTS, filter: { search: term } },
    pause: !term || value !== null,
  });
  if (value) {
    return (
      <div className="field picker">
        <span className="picker-label" id={`${id}-label`}>
          {label}
        </span>
        <div className="picked" aria-labelledby={`${id}-label`}>
          <span>
            <strong>{value.name}</strong>{" "}
            <span className="hint">
              {formatPoints(value.balance)} points{value.email ? ` · ${value.email}` : ""}
            </span>
          </span>
          <button type="button" className="secondary" onClick={() => onChange(null)}>
            Change customer
          </button>
        </div>
      </div>
    );
  }
  const found = term ? (data?.customers.edges.map((e) => e.node) ?? []) : [];
  return (
    <div className="field picker">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="search"
        value={search}
        placeholder="Name, email, phone or card"
        autoComplete="off"
        aria-describedby={hint ? `${id}-hint` : undefined}
        onChange={(e) => setSearch(e.target.value)}
      />
      {hint ? (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      ) : null}
      <RequestError error={error} />
      {term ? (
        <div aria-live="polite">
          {fetching && !data ? <p className="hint">Searching…</p> : null}
          {!fetching && data && found.length === 0 ? <p className="hint">No customer matches “{term}”.</p> : null}
          {found.length ? (
            <ul className="picker-results" aria-label="Matching customers">
              {found.map((c) => {
                const name = [c.firstName, c.lastName].filter(Boolean).join(" ") || c.email || `Customer ${c.id}`;
                return (
                  <li key={c.id}>
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => {
                        setSearch("");
                        onChange({ id: c.id, name, balance: c.points.balance, email: c.email });
                      }}
                    >
                      <strong>{name}</strong>
                      <span className="hint">
                        {formatPoints(c.points.balance)} points{c.email ? ` · ${c.email}` : ""}
                      </span>
                    </button>
                  </li>
                );
              })}
            </ul>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
