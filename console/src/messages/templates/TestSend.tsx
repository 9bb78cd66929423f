// Try the saved template on one's own address or phone (sendTestMessage): rendered for the
// chosen customer (or a sample one), sent to nobody else, shown in the delivery log as a test.
import { useRef, useState, type FormEvent } from "react";
import { useMutation, type CombinedError } from "urql";
import {
  SendTestMessageDocument,
  type MessageChannel,
  type SendTestMessageMutation,
} from "../../generated/graphql";
import { FormErrors, errorFor } from "../../ui/forms";
import { RequestError } from "../../ui/RequestError";
import type { PickedCustomer } from "../CustomerPicker";
import { newKey } from "../hooks";
import { STATUS_LABEL, reasonLabel } from "../labels";
import { fieldLabel } from "./problems";

type Props = {
  templateId: string;
  channel: MessageChannel;
  savedVersion: number;
  unsaved: boolean;
  customer: PickedCustomer | null;
  locale: string;
};

/** The wait a rate-limit refusal asks for, in seconds; null when it is another error. */
export function rateLimitWait(error: CombinedError | undefined): number | null {
  const refusal = error?.graphQLErrors.find((e) => e.extensions?.code === "RATE_LIMITED");
  if (!refusal) return null;
  const wait = Number(refusal.extensions?.retryAfter);
  return Number.isFinite(wait) && wait > 0 ? wait : 60;
}

function inWords(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

export function TestSend({ templateId, channel, savedVersion, unsaved, customer, locale }: Props) {
  const [to, setTo] = useState("");
  const [sent, setSent] = useState<SendTestMessageMutation["sendTestMessage"] | null>(null);
  const [{ fetching, error }, send] = useMutation(SendTestMessageDocument);
  // One key per attempt: a retry after a lost answer sends nothing twice.
  const key = useRef(newKey("test"));
  const email = channel === "EMAIL";
  const wait = rateLimitWait(error);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await send({
      input: {
        templateId,
        to,
        idempotencyKey: key.current,
        customerId: customer?.id ?? null,
        locale: locale || null,
        version: savedVersion,
      },
    });
    if (result.data) {
      setSent(result.data.sendTestMessage);
      key.current = newKey("test");
    } else {
      setSent(null);
      if (rateLimitWait(result.error) !== null) key.current = newKey("test");
    }
  }

  const userErrors = sent?.userErrors ?? [];
  const problemFields = new Set(sent?.problems.map((p) => p.field));
  return (
    <section className="card test-send" aria-labelledby="test-send-title">
      <h3 id="test-send-title">Send a test</h3>
      <p className="hint">
        Sends saved version {savedVersion}
        {customer ? ` with ${customer.name}'s data` : " with a sample customer's data"} to you only.
        {unsaved ? " Save first to try your latest changes." : ""}
      </p>
      <form onSubmit={submit} className="row" noValidate>
        <div className="field grow">
          <label htmlFor="test-to">{email ? "Your email address" : "Your phone number"}</label>
          <input
            id="test-to"
            type={email ? "email" : "tel"}
            value={to}
            required
            autoComplete={email ? "email" : "tel"}
            placeholder={email ? "you@shop.example" : "+39 333 765 4321"}
            aria-invalid={errorFor(userErrors, "to") ? true : undefined}
            aria-describedby={errorFor(userErrors, "to") ? "test-to-error" : undefined}
            onChange={(e) => setTo(e.target.value)}
          />
          {errorFor(userErrors, "to") ? (
            <small id="test-to-error" className="error" role="alert">
              {errorFor(userErrors, "to")}
            </small>
          ) : null}
        </div>
        <div className="field button-field">
          <button type="submit" disabled={fetching}>
            {fetching ? "Sending…" : "Send test"}
          </button>
        </div>
      </form>
      {wait !== null ? (
        <p className="request-error limit" role="alert">
          <strong>Test message limit reached.</strong> Each sign-in may send a limited number of test
          messages an hour; try again in {inWords(wait)}. Nothing was sent.
        </p>
      ) : (
        <RequestError error={error} />
      )}
      <FormErrors errors={userErrors.filter((e) => !problemFields.has(e.field ?? ""))} fields={["to"]} />
      {sent?.problems.length ? (
        <div className="preview-problems" role="alert">
          <p>
            <strong>Not sent: the template does not render.</strong>
          </p>
          <ul>
            {sent.problems.map((p, i) => (
              <li key={i}>
                <strong>{fieldLabel(p.field, channel)}</strong>: {p.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {sent?.message ? (
        <p className="ok" role="status">
          Test {sent.replayed ? "already sent" : "sent"} to <strong>{sent.message.recipient}</strong>:{" "}
          {STATUS_LABEL[sent.message.status]}
          {sent.message.statusReason ? ` (${reasonLabel(sent.message.statusReason).toLowerCase()})` : ""}. It is in the delivery log as a
          test.
        </p>
      ) : null}
    </section>
  );
}
