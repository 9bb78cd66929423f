// Messaging limits: how many marketing messages a customer may get per channel and period,
// and the quiet hours (program-wide, or a channel's own) in the customer's time zone.
import { useEffect, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import {
  MessagingLimitsDocument,
  SetMessagingLimitsDocument,
  type ConsentChannel,
  type FrequencyPeriodUnit,
} from "../../generated/graphql";
import { Field, FormErrors, type UserError } from "../../ui/forms";
import { formatDate } from "../../ui/format";
import { Loading } from "../../ui/Loading";
import { RequestError } from "../../ui/RequestError";
import { formField, limitsForm, limitsInput, type HoursForm, type LimitsForm } from "./limits";

/** The message of the error on exactly `field` (the channels' fields share their endings). */
function exactly(errors: UserError[], field: string): string | undefined {
  return errors.find((e) => e.field === field)?.message;
}

const CHANNEL_NAME: Record<ConsentChannel, string> = { EMAIL: "Email", SMS: "SMS and MMS" };

export function LimitsSettings() {
  const [{ data, fetching, error }] = useQuery({ query: MessagingLimitsDocument });
  const [form, setForm] = useState<LimitsForm | null>(null);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [saved, setSaved] = useState("");
  const [saving, save] = useMutation(SetMessagingLimitsDocument);
  const limits = data?.messagingLimits;
  useEffect(() => {
    if (limits && form === null) setForm(limitsForm(limits));
  }, [limits, form]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!form) return;
    setSaved("");
    const built = limitsInput(form);
    if (built.errors.length) return setErrors(built.errors);
    const result = await save({ input: built.input });
    const payload = result.data?.setMessagingLimits;
    if (!payload) return;
    setErrors(payload.userErrors.map((e) => ({ ...e, field: formField(e.field, built.sent) })));
    if (!payload.userErrors.length && payload.messagingLimits) {
      setForm(limitsForm(payload.messagingLimits));
      setSaved("Messaging limits saved.");
    }
  }

  function edit(next: (f: LimitsForm) => LimitsForm) {
    setForm((f) => (f ? next(f) : f));
    setSaved("");
  }

  return (
    <section className="card" aria-labelledby="limits-title">
      <h3 id="limits-title">Messaging limits</h3>
      <p className="hint">
        Marketing messages only; a message held back waits (deferred) for its next allowed time, it is never
        dropped. Transactional messages skip these limits.
      </p>
      <RequestError error={error} />
      {fetching && !form ? <Loading what="Loading the limits" /> : null}
      {form ? (
        <form onSubmit={submit} noValidate>
          <div className="settings-grid">
            <Field
              label="Default time zone"
              value={form.defaultTimeZone}
              placeholder="Europe/Rome"
              list="time-zones"
              hint="For customers without one (empty: UTC)."
              error={exactly(errors, "defaultTimeZone")}
              onChange={(e) => edit((f) => ({ ...f, defaultTimeZone: e.target.value }))}
            />
            <TimeZones />
            <QuietHours
              legend="Quiet hours (every channel)"
              name="quietHours"
              hours={form.hours}
              errors={errors}
              onChange={(hours) => edit((f) => ({ ...f, hours }))}
            />
          </div>
          <div className="settings-grid">
            {form.channels.map((c, index) => {
              const set = (patch: Partial<typeof c>) =>
                edit((f) => ({ ...f, channels: f.channels.map((x, i) => (i === index ? { ...x, ...patch } : x)) }));
              return (
                <fieldset key={c.channel} className="channel-limits">
                  <legend>{CHANNEL_NAME[c.channel]}</legend>
                  <label className="check">
                    <input type="checkbox" checked={c.capOn} onChange={(e) => set({ capOn: e.target.checked })} />
                    Frequency cap
                  </label>
                  {c.capOn ? (
                    <div className="row cap-row">
                      <Field
                        label="At most (messages)"
                        inputMode="numeric"
                        value={c.maxMessages}
                        error={exactly(errors, `${c.channel}.cap.maxMessages`)}
                        onChange={(e) => set({ maxMessages: e.target.value })}
                      />
                      <Field
                        label="In any"
                        inputMode="numeric"
                        value={c.period}
                        error={exactly(errors, `${c.channel}.cap.period`)}
                        onChange={(e) => set({ period: e.target.value })}
                      />
                      <div className="field">
                        <label htmlFor={`${c.channel}-unit`}>Unit</label>
                        <select
                          id={`${c.channel}-unit`}
                          value={c.unit}
                          onChange={(e) => set({ unit: e.target.value as FrequencyPeriodUnit })}
                        >
                          <option value="DAYS">days</option>
                          <option value="HOURS">hours</option>
                        </select>
                      </div>
                    </div>
                  ) : (
                    <p className="hint">No cap.</p>
                  )}
                  <QuietHours
                    legend={`Own quiet hours (${CHANNEL_NAME[c.channel]})`}
                    name={`${c.channel}.quietHours`}
                    hours={c.hours}
                    errors={errors}
                    onChange={(hours) => set({ hours })}
                    off={
                      form.hours.on
                        ? `Program-wide: ${form.hours.start} to ${form.hours.end}.`
                        : "None."
                    }
                  />
                </fieldset>
              );
            })}
          </div>
          <FormErrors
            errors={errors}
            fields={["defaultTimeZone", "quietHours", "EMAIL.cap", "SMS.cap", "EMAIL.quietHours", "SMS.quietHours"]}
          />
          <RequestError error={saving.error} />
          <div className="row actions">
            <button type="submit" disabled={saving.fetching}>
              {saving.fetching ? "Saving…" : "Save limits"}
            </button>
            <span className="ok" role="status">
              {saved}
            </span>
            {limits?.updatedAt ? (
              <span className="hint">
                Last changed {formatDate(limits.updatedAt)}
                {limits.updatedBy ? ` by ${limits.updatedBy}` : ""}
              </span>
            ) : null}
          </div>
        </form>
      ) : null}
    </section>
  );
}

function QuietHours({
  legend,
  name,
  hours,
  errors,
  onChange,
  off,
}: {
  legend: string;
  name: string;
  hours: HoursForm;
  errors: UserError[];
  onChange: (hours: HoursForm) => void;
  off?: string;
}) {
  return (
    <fieldset className="quiet-hours">
      <legend>{legend}</legend>
      <label className="check">
        <input type="checkbox" checked={hours.on} onChange={(e) => onChange({ ...hours, on: e.target.checked })} />
        On
      </label>
      {hours.on ? (
        <div className="row">
          <Field
            label="From"
            type="time"
            value={hours.start}
            error={exactly(errors, `${name}.start`)}
            onChange={(e) => onChange({ ...hours, start: e.target.value })}
          />
          <Field
            label="Until"
            type="time"
            value={hours.end}
            error={exactly(errors, `${name}.end`)}
            onChange={(e) => onChange({ ...hours, end: e.target.value })}
          />
        </div>
      ) : (
        <p className="hint">{off ?? "None."}</p>
      )}
    </fieldset>
  );
}

function TimeZones() {
  const zones =
    typeof Intl.supportedValuesOf === "function" ? (Intl.supportedValuesOf("timeZone") as string[]) : [];
  return (
    <datalist id="time-zones">
      {zones.map((z) => (
        <option key={z} value={z} />
      ))}
    </datalist>
  );
}
