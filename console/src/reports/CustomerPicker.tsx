import { useId, useState } from "react";
import { useQuery } from "urql";
import { CustomersListDocument } from "../generated/graphql";
import { RequestError } from "../ui/RequestError";

export type PickedCustomer = { id: string; label: string };

function nameOf(customer: { firstName: string | null; lastName: string | null; email: string | null; id: string }): string {
  const name = [customer.firstName, customer.lastName].filter(Boolean).join(" ");
  return name || customer.email || `Customer ${customer.id}`;
}

/** Finds a customer by name, email, phone, card or reference, to narrow the movements to. */
export function CustomerPicker({
  picked,
  onPick,
}: {
  picked: PickedCustomer | null;
  onPick: (customer: PickedCustomer | null) => void;
}) {
  const inputId = useId();
  const [text, setText] = useState("");
  const [search, setSearch] = useState("");
  const [{ data, fetching, error }] = useQuery({
    query: CustomersListDocument,
    variables: { first: 8, filter: { search } },
    pause: !search,
  });
  const found = search ? data?.customers.edges.map((e) => e.node) : undefined;

  if (picked) {
    return (
      <div className="field picked-customer">
        <span className="label-like" id={`${inputId}-label`}>
          Customer
        </span>
        <div className="row" aria-labelledby={`${inputId}-label`} role="group">
          <span className="badge">{picked.label}</span>
          <button type="button" className="secondary small" onClick={() => onPick(null)}>
            Any customer
          </button>
        </div>
      </div>
    );
  }

  const find = () => setSearch(text.trim());
  return (
    <div className="field customer-picker">
      <label htmlFor={inputId}>Customer</label>
      <div className="input-with-button">
        <input
          id={inputId}
          type="search"
          value={text}
          placeholder="Name, email, card or reference"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              find();
            }
          }}
        />
        <button type="button" className="secondary" onClick={find} disabled={!text.trim()}>
          Find
        </button>
      </div>
      <RequestError error={error} />
      {search && fetching && !found ? <p role="status" className="muted">Looking for “{search}”…</p> : null}
      {found ? (
        found.length === 0 ? (
          <p role="status" className="muted">
            No customer matches “{search}”.
          </p>
        ) : (
          <ul className="picker-results" aria-label={`Customers matching “${search}”`}>
            {found.map((customer) => (
              <li key={customer.id}>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => {
                    onPick({ id: customer.id, label: nameOf(customer) });
                    setSearch("");
                    setText("");
                  }}
                >
                  {nameOf(customer)}
                  <span className="muted">
                    {[customer.email, customer.cardCode ? `card ${customer.cardCode}` : null].filter(Boolean).join(" · ")}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )
      ) : null}
    </div>
  );
}
