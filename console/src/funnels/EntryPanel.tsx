// The side panel of the entry node: the funnel's name and description, how customers enter
// (an event, a schedule or a campaign), who may enter (a segment, with its live count), how
// often, and when they leave.
import { Field, Select } from "../ui/forms";
import { EVENTS, type Entry, type Filter, type Meta, type Trigger } from "./definition";
import { problemAt, type Problem } from "./problems";
import { SegmentBuilder } from "./SegmentBuilder";

type Props = { meta: Meta; problems: Problem[]; onChange: (meta: Meta) => void };

const TRIGGERS = [
  { value: "campaign", label: "A campaign: once, to everyone the filter selects" },
  { value: "event", label: "An event: when it happens to a customer" },
  { value: "schedule", label: "A schedule: at each time of a cron" },
];

const REENTRY = [
  { value: "ONCE", label: "Once, ever" },
  { value: "ONCE_PER_PERIOD", label: "Once per period" },
  { value: "WHEN_NOT_INSIDE", label: "Whenever not already inside" },
];

function triggerKind(trigger: Trigger | undefined): string {
  if (trigger && "event" in trigger) return "event";
  if (trigger && "schedule" in trigger) return "schedule";
  return "campaign";
}

export function EntryPanel({ meta, problems, onChange }: Props) {
  const at = (field: string) => problemAt(problems, field);
  const entry: Entry = meta.entry ?? { trigger: { campaign: {} } };
  const setEntry = (next: Partial<Entry>) => {
    const merged: Entry = { ...entry, ...next };
    for (const key of Object.keys(merged) as (keyof Entry)[]) if (merged[key] === undefined) delete merged[key];
    onChange({ ...meta, entry: merged });
  };
  const kind = triggerKind(entry.trigger);
  const trigger = entry.trigger as Record<string, unknown>;
  const schedule = (trigger.schedule ?? {}) as { cron?: string; timeZone?: string };
  const campaign = (trigger.campaign ?? {}) as { at?: string; customers?: string[] };
  const exit = meta.exit ?? {};
  const setExit = (next: { events?: string[]; filter?: Filter }) => {
    const merged = { ...exit, ...next };
    if (!merged.events?.length) delete merged.events;
    if (!merged.filter) delete merged.filter;
    const { exit: _old, ...rest } = meta;
    onChange(Object.keys(merged).length ? { ...rest, exit: merged } : rest);
  };
  const otherProblems = problems.filter(
    (p) => !["name", "description", "entry", "exit"].some((f) => p.local === f || p.local.startsWith(`${f}.`)),
  );

  return (
    <section className="panel" aria-labelledby="panel-title">
      <h2 id="panel-title">Entry</h2>
      {otherProblems.length ? (
        <ul className="form-errors" role="alert">
          {otherProblems.map((p, i) => (
            <li key={i}>
              <strong>{p.local}: </strong>
              {p.message}
            </li>
          ))}
        </ul>
      ) : null}
      <Field label="Funnel name" value={meta.name} error={at("name")} onChange={(e) => onChange({ ...meta, name: e.target.value })} />
      <Field
        label="Description"
        value={meta.description ?? ""}
        error={at("description")}
        onChange={(e) => {
          const { description: _d, ...rest } = meta;
          onChange(e.target.value ? { ...rest, description: e.target.value } : rest);
        }}
      />
      <Select
        label="Customers enter on"
        value={kind}
        options={TRIGGERS}
        error={at("entry.trigger")}
        onChange={(e) => {
          const fresh: Record<string, Trigger> = {
            campaign: { campaign: {} },
            event: { event: "CUSTOMER_REGISTERED" },
            schedule: { schedule: { cron: "0 9 * * *", timeZone: "Europe/Rome" } },
          };
          setEntry({ trigger: fresh[e.target.value] });
        }}
      />
      {kind === "event" ? (
        <Select
          label="Event"
          value={String(trigger.event ?? "")}
          options={EVENTS.map((e) => ({ value: e, label: e }))}
          onChange={(e) => setEntry({ trigger: { event: e.target.value } })}
        />
      ) : null}
      {kind === "schedule" ? (
        <div className="row">
          <Field
            label="Cron (5 fields)"
            value={schedule.cron ?? ""}
            error={at("entry.trigger.schedule.cron")}
            onChange={(e) => setEntry({ trigger: { schedule: { cron: e.target.value, timeZone: schedule.timeZone ?? "" } } })}
          />
          <Field
            label="Time zone"
            value={schedule.timeZone ?? ""}
            error={at("entry.trigger.schedule.timeZone")}
            onChange={(e) => setEntry({ trigger: { schedule: { cron: schedule.cron ?? "", timeZone: e.target.value } } })}
          />
        </div>
      ) : null}
      {kind === "campaign" ? (
        <Field
          label="Starts at (empty: when activated)"
          hint="A time with its offset: 2026-12-24T09:00:00Z"
          value={campaign.at ?? ""}
          error={at("entry.trigger.campaign")}
          onChange={(e) => {
            const { at: _at, ...rest } = campaign;
            setEntry({ trigger: { campaign: e.target.value ? { ...rest, at: e.target.value } : rest } });
          }}
        />
      ) : null}
      <SegmentBuilder
        key="entry-filter"
        label="Who may enter"
        filter={entry.filter}
        error={at("entry.filter")}
        onChange={(filter) => setEntry({ filter: filter ?? undefined })}
      />
      <div className="row">
        <Select
          label="A customer enters"
          value={entry.reentry ?? "ONCE"}
          options={REENTRY}
          error={at("entry.reentry")}
          onChange={(e) => {
            const reentry = e.target.value as Entry["reentry"];
            setEntry({
              reentry,
              reentryPeriod: reentry === "ONCE_PER_PERIOD" ? (entry.reentryPeriod ?? "P30D") : undefined,
            });
          }}
        />
        {entry.reentry === "ONCE_PER_PERIOD" ? (
          <Field
            label="Period"
            hint="P30D: thirty days"
            value={entry.reentryPeriod ?? ""}
            error={at("entry.reentryPeriod")}
            onChange={(e) => setEntry({ reentryPeriod: e.target.value })}
          />
        ) : null}
      </div>
      <fieldset className="events">
        <legend>Customers leave when one of these happens</legend>
        <div className="checks">
          {EVENTS.map((event) => (
            <label key={event} className="check">
              <input
                type="checkbox"
                checked={exit.events?.includes(event) ?? false}
                onChange={(e) =>
                  setExit({
                    events: e.target.checked
                      ? [...(exit.events ?? []), event]
                      : (exit.events ?? []).filter((x) => x !== event),
                  })
                }
              />
              {event}
            </label>
          ))}
        </div>
        {at("exit.events") ? <p className="error">{at("exit.events")}</p> : null}
      </fieldset>
      <SegmentBuilder
        key="exit-filter"
        label="Customers leave when they match"
        filter={exit.filter}
        error={at("exit.filter")}
        onChange={(filter) => setExit({ filter: filter ?? undefined })}
      />
    </section>
  );
}
