import { useState, type FormEvent } from "react";
import { Field, Select } from "../ui/forms";
import { GRANULARITIES, lastDays, lastMonths, periodProblems, type Period } from "./period";

const PRESETS: { label: string; period: () => Period }[] = [
  { label: "Last 7 days", period: () => ({ ...lastDays(7), granularity: "DAY" }) },
  { label: "Last 30 days", period: () => ({ ...lastDays(30), granularity: "DAY" }) },
  { label: "Last 12 weeks", period: () => ({ ...lastDays(84), granularity: "WEEK" }) },
  { label: "Last 12 months", period: () => ({ ...lastMonths(12), granularity: "MONTH" }) },
];

/** The period every panel covers (both days included) and the step of the flow chart. */
export function PeriodPicker({ period, onChange }: { period: Period; onChange: (period: Period) => void }) {
  const [draft, setDraft] = useState<Period>(period);
  const [problems, setProblems] = useState<ReturnType<typeof periodProblems>>({});
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = periodProblems(draft);
    setProblems(found);
    if (!Object.keys(found).length) onChange(draft);
  };
  const choose = (next: Period) => {
    setDraft(next);
    setProblems({});
    onChange(next);
  };
  return (
    <form className="card period-picker" onSubmit={submit} aria-label="Period" noValidate>
      <div className="period-fields">
        <Field
          label="From"
          type="date"
          value={draft.from}
          max={draft.to || undefined}
          onChange={(e) => setDraft({ ...draft, from: e.target.value })}
          error={problems.from}
        />
        <Field
          label="To"
          type="date"
          value={draft.to}
          min={draft.from || undefined}
          onChange={(e) => setDraft({ ...draft, to: e.target.value })}
          error={problems.to}
        />
        <Select
          label="Chart by"
          options={GRANULARITIES}
          value={draft.granularity}
          onChange={(e) => setDraft({ ...draft, granularity: e.target.value as Period["granularity"] })}
        />
        <div className="period-submit">
          <button type="submit">Show period</button>
        </div>
      </div>
      <div className="presets" role="group" aria-label="Quick periods">
        {PRESETS.map((preset) => (
          <button key={preset.label} type="button" className="secondary small" onClick={() => choose(preset.period())}>
            {preset.label}
          </button>
        ))}
      </div>
    </form>
  );
}
