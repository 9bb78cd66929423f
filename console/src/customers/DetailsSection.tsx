// Who the customer is (contact details, locale, references) and (MANAGE_CUSTOMERS) an edit
// that sends only the fields changed; a field emptied is cleared.
import { useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { UpdateCustomerDocument, type UpdateCustomerInput } from "../generated/graphql";
import { Field, FormErrors, errorFor, type UserError } from "../ui/forms";
import { RequestError } from "../ui/RequestError";
import { formatDate } from "../ui/format";
import type { Customer } from "./CustomerPage";
import { formatDay } from "./labels";

const FIELDS = [
  { name: "firstName", label: "First name", type: "text", autoComplete: "given-name" },
  { name: "lastName", label: "Last name", type: "text", autoComplete: "family-name" },
  { name: "email", label: "Email", type: "email", autoComplete: "email" },
  { name: "phone", label: "Phone", type: "tel", autoComplete: "tel" },
  { name: "cardCode", label: "Card code", type: "text", autoComplete: "off" },
  { name: "externalRef", label: "Shop's reference", type: "text", autoComplete: "off" },
  { name: "locale", label: "Language (locale)", type: "text", autoComplete: "off" },
  { name: "timeZone", label: "Time zone", type: "text", autoComplete: "off" },
  { name: "birthDate", label: "Birth date", type: "date", autoComplete: "bday" },
] as const;
type Name = (typeof FIELDS)[number]["name"];

export function DetailsSection({
  customer,
  canEdit,
  onSaved,
}: {
  customer: Customer;
  canEdit: boolean;
  onSaved: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  return (
    <section className="card" aria-labelledby="details-heading">
      <div className="section-head">
        <h2 id="details-heading">Details</h2>
        {canEdit && !editing ? (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setSaved(false);
              setEditing(true);
            }}
          >
            Edit details
          </button>
        ) : null}
      </div>
      {editing ? (
        <EditDetails
          customer={customer}
          onCancel={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            setSaved(true);
            onSaved();
          }}
        />
      ) : (
        <>
          <dl className="details">
            {FIELDS.map(({ name, label }) => (
              <div key={name}>
                <dt>{label}</dt>
                <dd>{(name === "birthDate" ? formatDay(customer[name]) : customer[name]) || "—"}</dd>
              </div>
            ))}
            <div>
              <dt>Registered</dt>
              <dd>{formatDate(customer.createdAt)}</dd>
            </div>
          </dl>
          {saved ? (
            <p className="ok" role="status">
              Details saved.
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}

function EditDetails({
  customer,
  onCancel,
  onSaved,
}: {
  customer: Customer;
  onCancel: () => void;
  onSaved: () => void;
}) {
  const initial = Object.fromEntries(FIELDS.map(({ name }) => [name, customer[name] ?? ""])) as Record<Name, string>;
  const [values, setValues] = useState(initial);
  const [userErrors, setUserErrors] = useState<UserError[]>([]);
  const [state, update] = useMutation(UpdateCustomerDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const input: UpdateCustomerInput = { id: customer.id };
    for (const { name } of FIELDS) {
      const value = values[name].trim();
      if (value !== initial[name]) input[name] = value || null;
    }
    if (Object.keys(input).length === 1) return onSaved(); // nothing changed
    const result = await update({ input });
    const payload = result.data?.updateCustomer;
    if (!payload) return;
    setUserErrors(payload.userErrors);
    if (!payload.userErrors.length) onSaved();
  }

  return (
    <form onSubmit={submit} noValidate>
      <div className="form-grid">
        {FIELDS.map(({ name, label, type, autoComplete }, i) => (
          <Field
            key={name}
            label={label}
            type={type}
            autoComplete={autoComplete}
            autoFocus={i === 0}
            value={values[name]}
            onChange={(e) => setValues({ ...values, [name]: e.target.value })}
            error={errorFor(userErrors, name)}
          />
        ))}
      </div>
      <FormErrors errors={userErrors} fields={FIELDS.map(({ name }) => name)} />
      <RequestError error={state.error} />
      <div className="row">
        <button type="submit" disabled={state.fetching}>
          {state.fetching ? "Saving…" : "Save details"}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
