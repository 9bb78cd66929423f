// A customer's data requests (MANAGE_DATA_REQUESTS): everything Tessera holds on them as a
// JSON file (the right of access and to portability), and their erasure, confirmed by typing
// their number: personal data anonymized everywhere, the ledger's amounts kept.
import { useState, type FormEvent } from "react";
import { EraseCustomerDocument, type EraseCustomerMutation } from "../generated/graphql";
import { newKey, useSave } from "../program/useSave";
import { downloadFile } from "../ui/download";
import { formatDate } from "../ui/format";
import { errorFor, Field, FormErrors, type UserError } from "../ui/forms";
import { RequestError } from "../ui/RequestError";

const erasePayload = (data: EraseCustomerMutation) => data.eraseCustomer;

export function DataRequestsSection({
  customerId,
  erasedAt,
  onErased,
}: {
  customerId: string;
  erasedAt: string | null | undefined;
  onErased: () => void;
}) {
  const [problem, setProblem] = useState<string | null>(null);
  const [confirm, setConfirm] = useState("");
  const [key] = useState(newKey);
  const { errors, requestError, saving, save } = useSave(EraseCustomerDocument, erasePayload);

  async function download() {
    setProblem(null);
    try {
      await downloadFile(`/customers/${customerId}/data.json`, `customer-${customerId}-data.json`);
    } catch (error) {
      setProblem(`The data could not be downloaded: ${(error as Error).message}`);
    }
  }

  async function erase(event: FormEvent) {
    event.preventDefault();
    const problems: UserError[] = [];
    if (confirm.trim() !== customerId)
      problems.push({ field: "confirm", code: "INVALID", message: `Type ${customerId}, the customer's number, to confirm.` });
    if (await save({ input: { customerId, idempotencyKey: key } }, problems)) onErased();
  }

  return (
    <section className="card" aria-labelledby="data-requests-title">
      <h2 id="data-requests-title">Data requests</h2>
      <p>
        <button type="button" className="secondary" onClick={() => void download()}>
          Download their data (JSON)
        </button>
      </p>
      {problem ? (
        <p className="request-error" role="alert">
          {problem}
        </p>
      ) : null}
      {erasedAt ? (
        <p role="status">Their personal data was erased on {formatDate(erasedAt)}.</p>
      ) : (
        <form onSubmit={erase} noValidate aria-label="Erase this customer">
          <p className="hint">
            Erasure anonymizes their name, email, phone, cards, messages and funnel data everywhere, withdraws their
            consent and stops pending messages; their points history keeps its amounts. It cannot be undone.
          </p>
          <Field
            label="Type their number to confirm"
            inputMode="numeric"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
            error={errorFor(errors, "confirm")}
            autoComplete="off"
          />
          <FormErrors errors={errors} fields={["confirm"]} />
          <RequestError error={requestError} />
          <button type="submit" className="danger" disabled={saving}>
            Erase this customer
          </button>
        </form>
      )}
    </section>
  );
}
