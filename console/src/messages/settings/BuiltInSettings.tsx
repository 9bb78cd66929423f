// The built-in notifications: each kind switched on or off with its email and text
// templates (and its thresholds or days before expiry); a save sets the kind's whole setting.
import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import {
  BuiltInNotificationsDocument,
  MessageTemplatesDocument,
  SetBuiltInNotificationDocument,
  type BuiltInNotificationsQuery,
  type MessageTemplatesQuery,
} from "../../generated/graphql";
import { Field, FormErrors, Select, errorFor, type UserError } from "../../ui/forms";
import { Loading } from "../../ui/Loading";
import { RequestError } from "../../ui/RequestError";
import { BUILTIN_LABEL, CHANNEL_LABEL, PURPOSE_LABEL } from "../labels";

type Notification = BuiltInNotificationsQuery["builtInNotifications"][number];
type Template = MessageTemplatesQuery["messageTemplates"]["nodes"][number];

// The newest templates fill the choices; a template set earlier and older than these is
// still offered (by its id), so a save never drops it unseen.
const TEMPLATE_CHOICES = 100;

export function BuiltInSettings() {
  const [notifications] = useQuery({ query: BuiltInNotificationsDocument });
  const [templates] = useQuery({ query: MessageTemplatesDocument, variables: { first: TEMPLATE_CHOICES } });
  const list = notifications.data?.builtInNotifications;
  const nodes = templates.data?.messageTemplates.nodes;
  return (
    <section className="card" aria-labelledby="builtins-title">
      <h3 id="builtins-title">Built-in notifications</h3>
      <p className="hint">
        Messages the program sends by itself, on each channel it has a template for, to customers who consent to
        that channel.
      </p>
      <RequestError error={notifications.error ?? templates.error} />
      {!list || !nodes ? <Loading what="Loading the notifications" /> : null}
      {list && nodes ? (
        <ul className="builtins">
          {list.map((n) => (
            <li key={n.kind}>
              <BuiltInForm notification={n} templates={nodes} />
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function BuiltInForm({ notification: n, templates }: { notification: Notification; templates: Template[] }) {
  const [enabled, setEnabled] = useState(n.enabled);
  const [email, setEmail] = useState(n.emailTemplateId ?? "");
  const [textTemplate, setTextTemplate] = useState(n.textTemplateId ?? "");
  const [thresholds, setThresholds] = useState(n.thresholds.join(", "));
  const [daysBefore, setDaysBefore] = useState(String(n.daysBefore ?? 7));
  const [errors, setErrors] = useState<UserError[]>([]);
  const [saved, setSaved] = useState("");
  const [state, save] = useMutation(SetBuiltInNotificationDocument);
  const label = BUILTIN_LABEL[n.kind];
  const id = `builtin-${n.kind}`;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved("");
    const words = thresholds.split(/[\s,;]+/).filter(Boolean);
    const parsed = words.map(Number);
    if (n.kind === "THRESHOLD_REACHED" && words.some((t) => !/^\d+$/.test(t))) {
      return setErrors([{ field: "thresholds", code: "INVALID", message: "Whole numbers of points, separated by commas." }]);
    }
    if (n.kind === "POINTS_EXPIRING" && !/^\s*\d+\s*$/.test(daysBefore)) {
      return setErrors([{ field: "daysBefore", code: "INVALID", message: "A whole number of days." }]);
    }
    const result = await save({
      input: {
        kind: n.kind,
        enabled,
        emailTemplateId: email || null,
        textTemplateId: textTemplate || null,
        thresholds: n.kind === "THRESHOLD_REACHED" ? parsed : null,
        daysBefore: n.kind === "POINTS_EXPIRING" ? Number(daysBefore) : null,
      },
    });
    const payload = result.data?.setBuiltInNotification;
    if (!payload) return;
    setErrors(payload.userErrors);
    if (payload.notification && !payload.userErrors.length) {
      setThresholds(payload.notification.thresholds.join(", "));
      setSaved(payload.notification.enabled ? "Saved: on." : "Saved: off.");
    }
  }

  const emailChoices = templates.filter((t) => t.channel === "EMAIL");
  const textChoices = templates.filter((t) => t.channel !== "EMAIL");
  return (
    <form className="builtin" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <div className="builtin-head">
        <h4 id={`${id}-title`}>{label.title}</h4>
        <span className="badge">{PURPOSE_LABEL[n.purpose]}</span>
        <label className="check switch">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          On
        </label>
      </div>
      <p className="hint">{label.when}</p>
      <div className="row builtin-fields">
        <TemplateSelect
          label="Email template"
          value={email}
          choices={emailChoices}
          error={errorFor(errors, "emailTemplateId")}
          onChange={setEmail}
        />
        <TemplateSelect
          label="Text template (SMS or MMS)"
          value={textTemplate}
          choices={textChoices}
          error={errorFor(errors, "textTemplateId")}
          onChange={setTextTemplate}
        />
        {n.kind === "THRESHOLD_REACHED" ? (
          <Field
            label="Thresholds (points)"
            value={thresholds}
            placeholder="100, 500, 1000"
            hint="Each balance is announced every time it is passed going up."
            error={errorFor(errors, "thresholds")}
            onChange={(e) => setThresholds(e.target.value)}
          />
        ) : null}
        {n.kind === "POINTS_EXPIRING" ? (
          <Field
            label="Days before expiry"
            inputMode="numeric"
            value={daysBefore}
            error={errorFor(errors, "daysBefore")}
            onChange={(e) => setDaysBefore(e.target.value)}
          />
        ) : null}
      </div>
      <FormErrors errors={errors} fields={["emailTemplateId", "textTemplateId", "thresholds", "daysBefore"]} />
      <RequestError error={state.error} />
      <div className="row actions">
        <button type="submit" className="secondary" disabled={state.fetching}>
          {state.fetching ? "Saving…" : `Save ${label.title.toLowerCase()}`}
        </button>
        <span className="ok" role="status">
          {saved}
        </span>
      </div>
    </form>
  );
}

function TemplateSelect({
  label,
  value,
  choices,
  error,
  onChange,
}: {
  label: string;
  value: string;
  choices: Template[];
  error?: string;
  onChange: (value: string) => void;
}) {
  const known = choices.some((t) => t.id === value);
  const options = [
    { value: "", label: "None" },
    ...(value && !known ? [{ value, label: `Template #${value}` }] : []),
    ...choices.map((t) => ({ value: t.id, label: `${t.name} (${CHANNEL_LABEL[t.channel]})` })),
  ];
  return <Select label={label} value={value} options={options} error={error} onChange={(e) => onChange(e.target.value)} />;
}
