import { useId, useState } from "react";
import { useMutation, useQuery } from "urql";
import { MyConsentDocument, SetMyConsentDocument, type ConsentChannel } from "../generated/graphql";
import { FormErrors } from "../ui/forms";
import { RequestError } from "../ui/RequestError";
import { formatDate } from "../ui/format";
import { sourceInWords } from "./words";

const CHANNEL_NAMES: Record<ConsentChannel, string> = { EMAIL: "Emails", SMS: "Text messages" };

/** How the shop may contact the customer: each channel turned on or off by the customer. */
export function PreferencesPage() {
  const [{ data, fetching, error }, refetch] = useQuery({ query: MyConsentDocument, variables: { historySize: 5 } });
  const [saving, save] = useMutation(SetMyConsentDocument);
  const [said, setSaid] = useState("");
  // What the customer chose, shown at once; the server's answer then replaces it (a refused
  // change puts the switch back as it was saved).
  const [chosen, setChosen] = useState<Partial<Record<ConsentChannel, boolean>>>({});
  const me = data?.me;
  const userErrors = saving.data?.setMyConsent.userErrors;

  const change = async (channel: ConsentChannel, granted: boolean) => {
    setSaid("");
    setChosen({ ...chosen, [channel]: granted });
    const result = await save({ input: { channel, granted } });
    const payload = result.data?.setMyConsent;
    if (payload?.customer) setChosen({ EMAIL: payload.customer.consentEmail, SMS: payload.customer.consentSms });
    else if (me) setChosen({ EMAIL: me.consentEmail, SMS: me.consentSms });
    if (payload && !payload.userErrors.length) {
      setSaid(`${CHANNEL_NAMES[channel]} turned ${granted ? "on" : "off"}.`);
      refetch({ requestPolicy: "network-only" });
    }
  };

  return (
    <>
      <section className="me-card" aria-labelledby="contact-heading">
        <h2 id="contact-heading">How the shop may contact you</h2>
        <RequestError error={error} />
        {!me ? (
          fetching ? <p className="me-muted">Loading your preferences…</p> : null
        ) : (
          <>
            <p className="me-muted">
              The shop writes to you about your points, rewards and offers only on the channels you turn on.
            </p>
            <div className="me-switches">
              <Switch
                label={CHANNEL_NAMES.EMAIL}
                detail={me.email ?? "The shop has no email address for you."}
                checked={chosen.EMAIL ?? me.consentEmail}
                disabled={saving.fetching}
                onChange={(granted) => change("EMAIL", granted)}
              />
              <Switch
                label={CHANNEL_NAMES.SMS}
                detail={me.phone ?? "The shop has no phone number for you."}
                checked={chosen.SMS ?? me.consentSms}
                disabled={saving.fetching}
                onChange={(granted) => change("SMS", granted)}
              />
            </div>
            <p role="status" className="me-saved">
              {saving.fetching ? "Saving…" : said}
            </p>
            <RequestError error={saving.error} />
            <FormErrors errors={userErrors} />
          </>
        )}
      </section>
      {me?.consentHistory.nodes.length ? (
        <section className="me-card" aria-labelledby="changes-heading">
          <h2 id="changes-heading">Latest changes</h2>
          <ul className="me-plain-list">
            {me.consentHistory.nodes.map((change, i) => (
              <li key={`${change.changedAt}-${i}`}>
                {CHANNEL_NAMES[change.channel]} turned {change.granted ? "on" : "off"} {sourceInWords(change.source)},{" "}
                <time dateTime={change.changedAt}>{formatDate(change.changedAt)}</time>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}

function Switch({
  label,
  detail,
  checked,
  disabled,
  onChange,
}: {
  label: string;
  detail: string;
  checked: boolean;
  disabled: boolean;
  onChange: (checked: boolean) => void;
}) {
  const id = useId();
  return (
    <div className="me-switch">
      <input
        id={id}
        type="checkbox"
        role="switch"
        checked={checked}
        disabled={disabled}
        aria-describedby={`${id}-detail`}
        onChange={(e) => onChange(e.target.checked)}
      />
      <label htmlFor={id}>
        <span className="me-switch-label">{label}</span>
        <span id={`${id}-detail`} className="me-muted">
          {detail}
        </span>
      </label>
    </div>
  );
}
