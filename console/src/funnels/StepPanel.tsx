// The side panel of a step: a typed form for its kind (no raw JSON), its id, where each of its
// links leads (the keyboard's way to connect steps), and the problems found on it.
import { useEffect, useId, useState, type ReactNode } from "react";
import { useQuery } from "urql";
import { useSession } from "../app/session";
import { MessageTemplatesDocument } from "../generated/graphql";
import { Field, Select } from "../ui/forms";
import { EVENTS, SEND_CHANNEL, STEP_LABELS, validStepId, type Filter, type SplitPath, type Step } from "./definition";
import type { Slot } from "./graph";
import { problemAt, type Problem } from "./problems";
import { SegmentBuilder } from "./SegmentBuilder";

type Props = {
  step: Step;
  slots: Slot[];
  links: Record<string, string | undefined>;
  stepIds: string[];
  problems: Problem[];
  onChange: (step: Step) => void;
  onRename: (id: string) => string | null;
  onLink: (slot: string, target: string | null) => void;
  onRemovePath: (index: number) => void;
  onRemove: () => void;
};

/** A whole number as typed, else the text itself (the server names it). */
function numberOrText(text: string): number | string | undefined {
  if (text.trim() === "") return undefined;
  return /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text;
}

function set(step: Step, field: string, value: unknown): Step {
  const next: Step = { ...step };
  if (value === undefined) delete next[field];
  else next[field] = value;
  return next;
}

function str(value: unknown): string {
  return value === undefined || value === null ? "" : String(value);
}

export function StepPanel(props: Props) {
  const { step, problems, onChange } = props;
  const at = (field: string) => problemAt(problems, field);
  const whole = problems.filter((p) => p.local === "" || p.local === "id" || p.local === "type");
  return (
    <section className="panel" aria-labelledby="panel-title">
      <h2 id="panel-title">
        {STEP_LABELS[step.type] ?? step.type} <span className="muted">{step.id}</span>
      </h2>
      {whole.length ? (
        <ul className="form-errors" role="alert">
          {whole.map((p, i) => (
            <li key={i}>{p.message}</li>
          ))}
        </ul>
      ) : null}
      <StepIdField key={step.id} id={step.id} onRename={props.onRename} />
      <KindFields step={step} at={at} onChange={onChange} onRemovePath={props.onRemovePath} />
      <LinkFields {...props} />
      <button type="button" className="danger" onClick={props.onRemove}>
        Delete step
      </button>
    </section>
  );
}

function StepIdField({ id, onRename }: { id: string; onRename: (id: string) => string | null }) {
  const [text, setText] = useState(id);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => setText(id), [id]);
  const commit = () => {
    if (text === id) return setError(undefined);
    if (!validStepId(text)) return setError("A letter, then letters, digits, _ or -, at most 64.");
    setError(onRename(text) ?? undefined);
  };
  return (
    <Field
      label="Step id"
      value={text}
      error={error}
      onChange={(e) => setText(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === "Enter") commit();
      }}
    />
  );
}

type KindProps = {
  step: Step;
  at: (field: string) => string | undefined;
  onChange: (step: Step) => void;
  onRemovePath: (index: number) => void;
};

function KindFields({ step, at, onChange, onRemovePath }: KindProps) {
  const text = (field: string, label: string, hint?: ReactNode) => (
    <Field
      label={label}
      hint={hint}
      value={str(step[field])}
      error={at(field)}
      onChange={(e) => onChange(set(step, field, e.target.value))}
    />
  );
  const number = (field: string, label: string, hint?: ReactNode) => (
    <Field
      label={label}
      hint={hint}
      type="number"
      inputMode="numeric"
      value={str(step[field])}
      error={at(field)}
      onChange={(e) => onChange(set(step, field, numberOrText(e.target.value)))}
    />
  );
  switch (step.type) {
    case "wait":
      return <WaitFields step={step} at={at} onChange={onChange} onRemovePath={onRemovePath} />;
    case "branch":
      return (
        <SegmentBuilder
          key={step.id}
          label="Customers who take the yes path"
          required
          filter={step.filter as Filter | undefined}
          error={at("filter")}
          onChange={(filter) => onChange(set(step, "filter", filter ?? undefined))}
        />
      );
    case "randomSplit":
      return <SplitFields step={step} at={at} onChange={onChange} onRemovePath={onRemovePath} />;
    case "addPoints":
      return number("points", "Points to add", "1 to 1,000,000,000");
    case "removePoints":
      return number("points", "Points to remove", "1 to 1,000,000,000");
    case "setPoints":
      return number("points", "Balance to reach", "0 to 1,000,000,000");
    case "sendEmail":
    case "sendSms":
    case "sendMms":
      return <TemplateField step={step} error={at("template")} onChange={onChange} />;
    case "issueVoucher":
      return text("voucherBatch", "Voucher batch id");
    case "setCategory":
      return text("category", "Point category name");
    case "setAttribute":
      return <AttributeFields step={step} at={at} onChange={onChange} />;
    case "notifyStaff":
      return (
        <>
          {text("subject", "Subject", "At most 200 characters")}
          <TextArea
            label="Message"
            value={str(step.message)}
            error={at("message")}
            onChange={(value) => onChange(set(step, "message", value))}
          />
        </>
      );
    case "goal":
      return (
        <>
          {text("name", "Goal name")}
          {number("withinDays", "Counted within (days of entering)", "1 to 366")}
        </>
      );
    case "exit":
      return text("reason", "Reason");
  }
}

function TextArea({
  label,
  value,
  error,
  onChange,
}: {
  label: string;
  value: string;
  error?: string;
  onChange: (value: string) => void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} rows={4} value={value} aria-invalid={error ? true : undefined} onChange={(e) => onChange(e.target.value)} />
      {error ? (
        <small className="error" role="alert">
          {error}
        </small>
      ) : null}
    </div>
  );
}

const WAIT_MODES = [
  { value: "duration", label: "For a time" },
  { value: "untilTimeOfDay", label: "Until a time of day" },
  { value: "untilDate", label: "Until an anniversary" },
  { value: "untilEvent", label: "Until an event (or a timeout)" },
];

function WaitFields({ step, at, onChange }: KindProps) {
  const mode = WAIT_MODES.find((m) => step[m.value] !== undefined)?.value ?? "duration";
  const base = (): Step => {
    const { duration: _d, untilTimeOfDay: _t, untilDate: _u, untilEvent: _e, timeout: _o, ...rest } = step;
    return rest as Step;
  };
  const switchTo = (next: string) => {
    const fresh: Record<string, unknown> = {
      duration: { duration: "P1D" },
      untilTimeOfDay: { untilTimeOfDay: "09:00" },
      untilDate: { untilDate: { attribute: "birthDate" } },
      untilEvent: { untilEvent: "PURCHASE_RECORDED", timeout: "P7D" },
    }[next] as Record<string, unknown>;
    onChange({ ...base(), ...fresh } as Step);
  };
  const untilDate = (step.untilDate ?? {}) as { attribute?: string };
  return (
    <>
      <Select label="Wait" value={mode} options={WAIT_MODES} onChange={(e) => switchTo(e.target.value)} />
      {mode === "duration" ? (
        <Field
          label="Duration"
          hint="ISO 8601: P1D a day, PT12H twelve hours, P2W two weeks"
          value={str(step.duration)}
          error={at("duration")}
          onChange={(e) => onChange(set(step, "duration", e.target.value))}
        />
      ) : null}
      {mode === "untilTimeOfDay" ? (
        <Field
          label="Time of day (customer's clock)"
          type="time"
          value={str(step.untilTimeOfDay)}
          error={at("untilTimeOfDay")}
          onChange={(e) => onChange(set(step, "untilTimeOfDay", e.target.value))}
        />
      ) : null}
      {mode === "untilDate" ? (
        <Field
          label="Date attribute"
          hint="birthDate, or attributes.<key> holding a date"
          value={str(untilDate.attribute)}
          error={at("untilDate")}
          onChange={(e) => onChange(set(step, "untilDate", { ...untilDate, attribute: e.target.value }))}
        />
      ) : null}
      {mode === "untilEvent" ? (
        <>
          <Select
            label="Event"
            value={str(step.untilEvent)}
            error={at("untilEvent")}
            options={EVENTS.map((e) => ({ value: e, label: e }))}
            onChange={(e) => onChange(set(step, "untilEvent", e.target.value))}
          />
          <Field
            label="Timeout"
            hint="A duration: P7D"
            value={str(step.timeout)}
            error={at("timeout")}
            onChange={(e) => onChange(set(step, "timeout", e.target.value))}
          />
        </>
      ) : null}
    </>
  );
}

function SplitFields({ step, at, onChange, onRemovePath }: KindProps) {
  const paths: SplitPath[] = step.paths ?? [];
  const total = paths.reduce((sum, p) => sum + (Number(p.percent) || 0), 0);
  const setPath = (index: number, path: SplitPath) =>
    onChange({ ...step, paths: paths.map((p, i) => (i === index ? path : p)) });
  return (
    <fieldset className="split-paths">
      <legend>Paths (percentages add up to 100: now {total})</legend>
      {paths.map((path, i) => (
        <div className="row" key={i}>
          <Field
            label={`Path ${i + 1} percent`}
            type="number"
            value={str(path.percent)}
            error={at(`paths[${i}]`)}
            onChange={(e) => setPath(i, { ...path, percent: numberOrText(e.target.value) as number })}
          />
          <label className="check">
            <input
              type="checkbox"
              checked={Boolean(path.holdout)}
              onChange={(e) => {
                const { holdout: _h, ...rest } = path;
                setPath(i, e.target.checked ? { ...rest, holdout: true } : rest);
              }}
            />
            holdout
          </label>
          {paths.length > 2 ? (
            <button type="button" className="secondary" onClick={() => onRemovePath(i)} aria-label={`Remove path ${i + 1}`}>
              Remove
            </button>
          ) : null}
        </div>
      ))}
      {at("paths") ? (
        <p className="error" role="alert">
          {at("paths")}
        </p>
      ) : null}
      {paths.length < 10 ? (
        <button type="button" className="secondary" onClick={() => onChange({ ...step, paths: [...paths, { percent: 0 }] })}>
          Add path
        </button>
      ) : null}
    </fieldset>
  );
}

function TemplateField({ step, error, onChange }: { step: Step; error?: string; onChange: (step: Step) => void }) {
  const { can } = useSession();
  const channel = SEND_CHANNEL[step.type];
  const mayList = can("MANAGE_NOTIFICATIONS");
  const [result] = useQuery({
    query: MessageTemplatesDocument,
    variables: { channel, first: 100 },
    pause: !mayList,
  });
  const value = str(step.template);
  const names = (result.data?.messageTemplates.nodes ?? [])
    .filter((t) => t.purpose === "MARKETING")
    .map((t) => t.name);
  if (!mayList || result.error) {
    return (
      <Field
        label="Template name"
        hint="A marketing template of this channel"
        value={value}
        error={error}
        onChange={(e) => onChange(set(step, "template", e.target.value))}
      />
    );
  }
  const options = [
    { value: "", label: names.length ? "Choose a template" : "No marketing template of this channel" },
    ...(value && !names.includes(value) ? [{ value, label: `${value} (not found)` }] : []),
    ...names.map((name) => ({ value: name, label: name })),
  ];
  return (
    <Select
      label="Template"
      value={value}
      error={error}
      options={options}
      onChange={(e) => onChange(set(step, "template", e.target.value))}
    />
  );
}

const VALUE_TYPES = [
  { value: "text", label: "Text" },
  { value: "number", label: "Number" },
  { value: "true", label: "True" },
  { value: "false", label: "False" },
  { value: "null", label: "Remove the attribute" },
];

function AttributeFields({ step, at, onChange }: Omit<KindProps, "onRemovePath">) {
  const value = step.value;
  const kind =
    value === null ? "null" : value === true ? "true" : value === false ? "false" : typeof value === "number" ? "number" : "text";
  return (
    <>
      <Field label="Attribute key" value={str(step.key)} error={at("key")} onChange={(e) => onChange(set(step, "key", e.target.value))} />
      <Select
        label="Value type"
        value={kind}
        options={VALUE_TYPES}
        onChange={(e) => {
          const next = e.target.value;
          const fresh = { text: "", number: 0, true: true, false: false, null: null }[next];
          onChange({ ...step, value: fresh });
        }}
      />
      {kind === "text" || kind === "number" ? (
        <Field
          label="Value"
          type={kind === "number" ? "number" : "text"}
          value={str(value)}
          error={at("value")}
          onChange={(e) =>
            onChange({ ...step, value: kind === "number" ? Number(e.target.value) : e.target.value })
          }
        />
      ) : null}
    </>
  );
}

function LinkFields({ step, slots, links, stepIds, problems, onLink }: Props) {
  if (!slots.length) return <p className="hint">An exit step ends the enrollment: nothing follows it.</p>;
  const options = [
    { value: "", label: "Nothing (ends here)" },
    ...stepIds.filter((id) => id !== step.id).map((id) => ({ value: id, label: id })),
  ];
  const field = (slot: string) =>
    slot.startsWith("path-") ? `paths[${slot.slice(5)}].next` : slot === "timeout" ? "timeoutNext" : slot;
  return (
    <fieldset className="links">
      <legend>Then</legend>
      {slots.map((slot) => (
        <Select
          key={slot.id}
          label={slots.length > 1 ? `After "${slot.label}"` : "Next step"}
          value={links[slot.id] ?? ""}
          error={problemAt(problems, field(slot.id))}
          options={
            links[slot.id] && !stepIds.includes(links[slot.id]!)
              ? [...options, { value: links[slot.id]!, label: `${links[slot.id]} (no such step)` }]
              : options
          }
          onChange={(e) => onLink(slot.id, e.target.value || null)}
        />
      ))}
    </fieldset>
  );
}
