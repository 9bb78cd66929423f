// Register a customer (roles with MANAGE_CUSTOMERS): the form opens from the list's heading and
// goes to the new customer's page once saved.
import { useRef, useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { useMutation } from "urql";
import { CreateCustomerDocument, type CreateCustomerInput } from "../generated/graphql";
import { Checkbox, errorFor, Field, FormErrors, type UserError } from "../ui/forms";
import { RequestError } from "../ui/RequestError";
import { keyFor, type SubmissionKey } from "./submissionKey";

const TEXT_FIELDS = [
  ["firstName", "First name", "given-name"],
  ["lastName", "Last name", "family-name"],
  ["email", "Email", "email"],
  ["phone", "Phone", "tel"],
  ["cardCode", "Card code", "off"],
  ["externalRef", "Shop's customer reference", "off"],
] as const;
type TextField = (typeof TEXT_FIELDS)[number][0];

export function NewCustomerForm({ onClose }: { onClose: () => void }) {
  const navigate = useNavigate();
  const [values, setValues] = useState<Record<TextField, string>>({
    firstName: "",
    lastName: "",
    email: "",
    phone: "",
    cardCode: "",
    externalRef: "",
  });
  const [consentEmail, setConsentEmail] = useState(false);
  const [consentSms, setConsentSms] = useState(false);
  const [userErrors, setUserErrors] = useState<UserError[]>([]);
  const [state, create] = useMutation(CreateCustomerDocument);
  const key = useRef<SubmissionKey | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const input: Omit<CreateCustomerInput, "idempotencyKey"> = { consentEmail, consentSms };
    for (const [field] of TEXT_FIELDS) {
      if (values[field].trim()) input[field] = values[field].trim();
    }
    key.current = keyFor(key.current, input);
    const result = await create({ input: { ...input, idempotencyKey: key.current.key } });
    const payload = result.data?.createCustomer;
    if (!payload) return; // the request failed: shown below, the same key on a retry
    setUserErrors(payload.userErrors);
    if (payload.customer && !payload.userErrors.length) {
      key.current = null;
      navigate(`/customers/${payload.customer.id}`);
    }
  }

  return (
    <form className="card new-customer" aria-labelledby="new-customer-heading" onSubmit={submit} noValidate>
      <h2 id="new-customer-heading">New customer</h2>
      <div className="form-grid">
        {TEXT_FIELDS.map(([field, label, autoComplete], i) => (
          <Field
            key={field}
            autoFocus={i === 0}
            label={label}
            type={field === "email" ? "email" : field === "phone" ? "tel" : "text"}
            autoComplete={autoComplete}
            value={values[field]}
            onChange={(e) => setValues({ ...values, [field]: e.target.value })}
            error={errorFor(userErrors, field)}
          />
        ))}
      </div>
      <fieldset className="choices">
        <legend>Consent to messages</legend>
        <Checkbox label="Email" checked={consentEmail} onChange={(e) => setConsentEmail(e.target.checked)} />
        <Checkbox label="SMS" checked={consentSms} onChange={(e) => setConsentSms(e.target.checked)} />
      </fieldset>
      <FormErrors errors={userErrors} fields={TEXT_FIELDS.map(([f]) => f)} />
      <RequestError error={state.error} />
      <div className="row">
        <button type="submit" disabled={state.fetching}>
          {state.fetching ? "Registering…" : "Register customer"}
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
