// Consent per channel now, every change of it (who, how, when), and (MANAGE_CUSTOMERS) a
// change by staff, recorded in the history with source STAFF.
import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { CustomerConsentHistoryDocument, UpdateCustomerDocument } from "../generated/graphql";
import { Checkbox, FormErrors, type UserError } from "../ui/forms";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { formatDate } from "../ui/format";
import type { Customer } from "./CustomerPage";
import { actorLabel } from "../ui/actors";
import { Pager, useCursors } from "./Pager";

const SOURCES = {
  STAFF: "Staff",
  CUSTOMER: "The customer",
  STOP_KEYWORD: "SMS reply (STOP)",
  UNSUBSCRIBE_LINK: "Unsubscribe link",
} as const;

export function ConsentSection({
  customer,
  canEdit,
  onSaved,
}: {
  customer: Customer;
  canEdit: boolean;
  onSaved: () => void;
}) {
  const cursors = useCursors();
  const [history, refetch] = useQuery({
    query: CustomerConsentHistoryDocument,
    variables: { id: customer.id, first: 10, after: cursors.after },
  });
  const changes = history.data?.customer?.consentHistory;
  return (
    <section className="card" aria-labelledby="consent-heading">
      <h2 id="consent-heading">Consent</h2>
      {canEdit ? (
        <ConsentForm
          customer={customer}
          onSaved={() => {
            cursors.reset();
            refetch({ requestPolicy: "network-only" });
            onSaved();
          }}
        />
      ) : (
        <ul className="consent-now">
          <li>Email: {customer.consentEmail ? "given" : "not given"}</li>
          <li>SMS: {customer.consentSms ? "given" : "not given"}</li>
        </ul>
      )}
      <h3>History</h3>
      <RequestError error={history.error} />
      {!changes ? (
        history.error ? null : <Loading what="Loading the consent history" />
      ) : changes.nodes.length === 0 ? (
        <p className="hint">No change of consent recorded.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Channel</th>
                <th scope="col">Change</th>
                <th scope="col">How</th>
              </tr>
            </thead>
            <tbody>
              {changes.nodes.map((c, i) => (
                <tr key={`${c.changedAt}-${c.channel}-${i}`}>
                  <td className="nowrap">{formatDate(c.changedAt)}</td>
                  <td>{c.channel === "EMAIL" ? "Email" : "SMS"}</td>
                  <td>{c.granted ? "Given" : "Withdrawn"}</td>
                  <td>
                    {SOURCES[c.source]}
                    {c.source === "STAFF" ? `, ${actorLabel(c.actor)}` : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {changes ? (
        <Pager
          label="Consent history pages"
          page={cursors.page}
          hasNext={changes.pageInfo.hasNextPage}
          onPrevious={cursors.previous}
          onNext={() => cursors.next(changes.pageInfo.endCursor)}
          previousLabel="Newer changes"
          nextLabel="Older changes"
        />
      ) : null}
    </section>
  );
}

function ConsentForm({ customer, onSaved }: { customer: Customer; onSaved: () => void }) {
  const [email, setEmail] = useState(customer.consentEmail);
  const [sms, setSms] = useState(customer.consentSms);
  const [userErrors, setUserErrors] = useState<UserError[]>([]);
  const [done, setDone] = useState(false);
  const [state, update] = useMutation(UpdateCustomerDocument);
  const unchanged = email === customer.consentEmail && sms === customer.consentSms;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    const result = await update({ input: { id: customer.id, consentEmail: email, consentSms: sms } });
    const payload = result.data?.updateCustomer;
    if (!payload) return;
    setUserErrors(payload.userErrors);
    if (payload.userErrors.length) return;
    setDone(true);
    onSaved();
  }

  return (
    <form onSubmit={submit}>
      <fieldset className="choices">
        <legend>Messages the customer agreed to</legend>
        <Checkbox label="Email" checked={email} onChange={(e) => setEmail(e.target.checked)} />
        <Checkbox label="SMS" checked={sms} onChange={(e) => setSms(e.target.checked)} />
      </fieldset>
      <FormErrors errors={userErrors} />
      <RequestError error={state.error} />
      <div className="row">
        <button type="submit" disabled={state.fetching || unchanged}>
          Save consent
        </button>
        {done ? (
          <span className="ok" role="status">
            Consent saved.
          </span>
        ) : null}
      </div>
    </form>
  );
}
