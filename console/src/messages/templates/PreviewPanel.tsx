// The live preview: the template as it is being edited, rendered by the server for a real
// customer in the chosen locale (previewTemplateDraft), a moment after the typing stops.
import { useEffect, useId, useMemo, useRef } from "react";
import { useQuery } from "urql";
import {
  PreviewTemplateDraftDocument,
  type MessageChannel,
  type PreviewTemplateDraftInput,
  type PreviewTemplateDraftQuery,
} from "../../generated/graphql";
import { RequestError } from "../../ui/RequestError";
import { CustomerPicker, type PickedCustomer } from "../CustomerPicker";
import { useDebounced } from "../hooks";
import { fieldLabel, type TemplateProblem } from "./problems";

export const PREVIEW_DELAY_MS = 300;

type Props = {
  draft: Omit<PreviewTemplateDraftInput, "customerId" | "locale">;
  locales: string[];
  customer: PickedCustomer | null;
  onCustomer: (customer: PickedCustomer | null) => void;
  locale: string;
  onLocale: (locale: string) => void;
  onProblems: (problems: TemplateProblem[]) => void;
};

export function PreviewPanel({ draft, locales, customer, onCustomer, locale, onLocale, onProblems }: Props) {
  const localeId = useId();
  // Compared as text, so an unchanged draft never restarts the wait or the request.
  const wanted = customer
    ? JSON.stringify({ ...draft, customerId: customer.id, locale: locale || null })
    : "";
  const settled = useDebounced(wanted, PREVIEW_DELAY_MS);
  const input = useMemo(() => (settled ? (JSON.parse(settled) as PreviewTemplateDraftInput) : null), [settled]);
  const [{ data, fetching, error }] = useQuery({
    query: PreviewTemplateDraftDocument,
    variables: { input: input ?? { ...draft, customerId: "0" } },
    pause: !input,
  });
  // The last preview stays up while the next one is on its way (no flicker as one types).
  const last = useRef<PreviewTemplateDraftQuery["previewTemplateDraft"] | undefined>(undefined);
  if (!input) last.current = undefined;
  else if (data) last.current = data.previewTemplateDraft;
  const shown = last.current;
  useEffect(() => onProblems(shown?.problems ?? []), [shown, onProblems]);
  const updating = wanted !== settled || fetching;

  return (
    <section className="card preview" aria-labelledby="preview-title">
      <h3 id="preview-title">Preview</h3>
      <div className="preview-controls">
        <CustomerPicker
          label="Preview for customer"
          value={customer}
          onChange={onCustomer}
          hint="Their real name, points, tier and badges fill the shortcodes."
        />
        <div className="field">
          <label htmlFor={localeId}>Locale</label>
          <select id={localeId} value={locale} onChange={(e) => onLocale(e.target.value)}>
            <option value="">Customer's own</option>
            {locales.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="hint" role="status" aria-live="polite">
        {!customer ? "Choose a customer to see the template as they would read it." : updating ? "Updating…" : ""}
      </p>
      <RequestError error={input ? error : undefined} />
      {shown ? <Rendered preview={shown} channel={draft.channel} customer={customer} /> : null}
    </section>
  );
}

function Rendered({
  preview,
  channel,
  customer,
}: {
  preview: PreviewTemplateDraftQuery["previewTemplateDraft"];
  channel: MessageChannel;
  customer: PickedCustomer | null;
}) {
  if (preview.problems.length) {
    return (
      <div className="preview-problems" role="alert">
        <p>
          <strong>It does not render{customer ? ` for ${customer.name}` : ""}:</strong>
        </p>
        <ul>
          {preview.problems.map((p, i) => (
            <li key={i}>
              <strong>{fieldLabel(p.field, channel)}</strong>: {p.message}
            </li>
          ))}
        </ul>
      </div>
    );
  }
  return (
    <div className="preview-output" data-testid="preview-output">
      <p className="hint">
        Translation used: <strong>{preview.locale}</strong>
      </p>
      {preview.subject != null ? (
        <p className="preview-subject">
          <span className="hint">Subject</span> <strong>{preview.subject}</strong>
        </p>
      ) : null}
      {preview.textBody != null ? (
        <figure className="preview-part">
          <figcaption className="hint">Text body</figcaption>
          <pre className="preview-text" data-testid="preview-text">
            {preview.textBody}
          </pre>
        </figure>
      ) : null}
      {preview.htmlBody ? (
        <figure className="preview-part">
          <figcaption className="hint">HTML body</figcaption>
          <iframe
            className="preview-html"
            title="HTML body as the customer sees it"
            sandbox=""
            srcDoc={preview.htmlBody}
          />
        </figure>
      ) : null}
      {preview.text != null ? (
        <figure className="preview-part">
          <figcaption className="hint">{channel === "EMAIL" ? "Text" : `Message · ${preview.text.length} characters`}</figcaption>
          <pre className="preview-text sms" data-testid="preview-text">
            {preview.text}
          </pre>
        </figure>
      ) : null}
      {preview.mediaUrls?.length ? (
        <ul className="preview-media" aria-label="Media">
          {preview.mediaUrls.map((url) => (
            <li key={url}>{url}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
