// The tier rules that place customers in categories (MANAGE_ENGAGEMENT): the ladder in
// force, the form that previews and saves a new one, and evaluating them now.
import { useState, type FormEvent } from "react";
import { useMutation } from "urql";
import {
  EvaluateTiersDocument,
  SetTierRulesDocument,
  type SetTierRulesMutation,
  type TierMeasure,
  type TierRulesQuery,
} from "../generated/graphql";
import { errorFor, Field, FormErrors, Select } from "../ui/forms";
import { formatDate, formatMoney, formatPoints } from "../ui/format";
import { RequestError } from "../ui/RequestError";
import type { Category } from "./CategoriesArea";
import { plural } from "./describe";
import { Panel } from "./fields";
import { Checks, moneyText } from "./parse";
import { useSave } from "./useSave";

type Rules = TierRulesQuery["tierRules"];
type Moves = SetTierRulesMutation["setTierRules"]["moves"];

const MEASURES: { value: TierMeasure; label: string }[] = [
  { value: "LIFETIME_SPEND", label: "Lifetime spend" },
  { value: "POINTS_EARNED", label: "Points earned in a rolling window" },
];

function thresholdText(measure: TierMeasure, threshold: number): string {
  return measure === "LIFETIME_SPEND" ? formatMoney(threshold) : `${formatPoints(threshold)} points`;
}

export function TierSummary({ rules }: { rules: Rules }) {
  if (!rules.rungs.length) {
    return <p className="empty">No tier rules: categories change by hand only.</p>;
  }
  return (
    <>
      <p>
        Measure:{" "}
        <strong>
          {rules.measure === "LIFETIME_SPEND"
            ? "lifetime spend (paid or completed purchases, net of refunds)"
            : `points earned in the last ${plural(rules.windowDays ?? 0, "day")}`}
        </strong>
        {rules.updatedAt ? <span className="hint"> · changed {formatDate(rules.updatedAt)}</span> : null}
      </p>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">Category</th>
            </tr>
          </thead>
          <tbody>
            {rules.rungs.map((rung) => (
              <tr key={rung.category.id}>
                <td>{thresholdText(rules.measure, rung.threshold)}</td>
                <td>{rung.category.name}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

type Rung = { categoryId: string; threshold: string };

const tierPayload = (data: SetTierRulesMutation) => data.setTierRules;

export function TierRulesForm({ rules, categories }: { rules: Rules; categories: Category[] }) {
  const [measure, setMeasure] = useState<TierMeasure>(rules.measure);
  const [windowDays, setWindowDays] = useState(rules.windowDays ? String(rules.windowDays) : "365");
  const [rungs, setRungs] = useState<Rung[]>(() =>
    rules.rungs.length
      ? rules.rungs.map((r) => ({
          categoryId: r.category.id,
          threshold: rules.measure === "LIFETIME_SPEND" ? moneyText(r.threshold) : String(r.threshold),
        }))
      : [{ categoryId: categories.find((c) => c.isDefault)?.id ?? categories[0]?.id ?? "", threshold: "0" }],
  );
  const { errors, requestError, saving, saved, save } = useSave(SetTierRulesDocument, tierPayload);
  const [confirmingOff, setConfirmingOff] = useState(false);
  const spend = measure === "LIFETIME_SPEND";

  function setRung(index: number, change: Partial<Rung>) {
    setRungs(rungs.map((rung, i) => (i === index ? { ...rung, ...change } : rung)));
  }

  function send(dryRun: boolean, off = false) {
    const checks = new Checks();
    const input = {
      measure,
      windowDays: spend ? null : checks.whole("windowDays", windowDays, "a number of days"),
      rungs: off
        ? []
        : rungs.map((rung, i) => ({
            categoryId: rung.categoryId,
            threshold: spend
              ? checks.money(`rungs.${i}.threshold`, rung.threshold)
              : checks.whole(`rungs.${i}.threshold`, rung.threshold, "points"),
          })),
      dryRun,
    };
    void save({ input }, off ? [] : checks.errors);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    send(false);
  }

  const result = saved?.setTierRules;
  const rungFields = rungs.flatMap((_, i) => [`rungs.${i}.threshold`, `rungs.${i}.categoryId`]);
  return (
    <Panel
      title="Change the tier rules"
      description="A customer not placed by hand belongs in the category of the highest rung their measure reaches, up or down. One rung must start at 0. Customers move at the daily evaluation, or when you evaluate now."
    >
      <form onSubmit={submit} noValidate aria-label="Tier rules">
        <div className="form-grid">
          <Select
            label="Measure"
            value={measure}
            onChange={(e) => setMeasure(e.target.value as TierMeasure)}
            options={MEASURES}
            error={errorFor(errors, "measure")}
          />
          {spend ? null : (
            <Field
              label="Window (days)"
              inputMode="numeric"
              value={windowDays}
              onChange={(e) => setWindowDays(e.target.value)}
              error={errorFor(errors, "windowDays")}
            />
          )}
        </div>
        <fieldset className="checks">
          <legend>Rungs</legend>
          {rungs.map((rung, i) => (
            <div className="rung-row" key={i}>
              <Select
                label={`Rung ${i + 1}: category`}
                value={rung.categoryId}
                onChange={(e) => setRung(i, { categoryId: e.target.value })}
                options={categories.map((c) => ({ value: c.id, label: c.name }))}
                error={errorFor(errors, `rungs.${i}.categoryId`)}
              />
              <Field
                label={spend ? `Rung ${i + 1}: from spend of` : `Rung ${i + 1}: from points`}
                inputMode={spend ? "decimal" : "numeric"}
                value={rung.threshold}
                onChange={(e) => setRung(i, { threshold: e.target.value })}
                error={errorFor(errors, `rungs.${i}.threshold`)}
              />
              <button
                type="button"
                className="secondary"
                onClick={() => setRungs(rungs.filter((_, j) => j !== i))}
                disabled={rungs.length === 1}
                aria-label={`Remove rung ${i + 1}`}
              >
                Remove
              </button>
            </div>
          ))}
          <p>
            <button
              type="button"
              className="secondary"
              onClick={() =>
                setRungs([...rungs, { categoryId: categories[0]?.id ?? "", threshold: "" }])
              }
            >
              Add a rung
            </button>
          </p>
        </fieldset>
        <FormErrors errors={errors} fields={["measure", "windowDays", ...rungFields]} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="button" className="secondary" disabled={saving} onClick={() => send(true)}>
            Preview moves
          </button>
          <button type="submit" disabled={saving}>
            Save tier rules
          </button>
          {rules.rungs.length && !confirmingOff ? (
            <button type="button" className="secondary" disabled={saving} onClick={() => setConfirmingOff(true)}>
              Turn tier rules off…
            </button>
          ) : null}
        </div>
        {confirmingOff ? (
          <div className="confirm" role="group" aria-label="Turn the tier rules off">
            <p>Turn the tier rules off? Categories will then change by hand only; nobody moves now.</p>
            <div className="actions">
              <button
                type="button"
                className="danger"
                disabled={saving}
                onClick={() => {
                  setConfirmingOff(false);
                  send(false, true);
                }}
              >
                Turn them off
              </button>
              <button type="button" className="secondary" onClick={() => setConfirmingOff(false)}>
                Keep them
              </button>
            </div>
          </div>
        ) : null}
        {result ? (
          <div className="moves" role="status">
            <p className="ok">
              {result.dryRun
                ? "Preview only, nothing saved. Evaluated now, these rules would move:"
                : result.rules?.rungs.length
                  ? "Saved. Evaluated now, the rules would move:"
                  : "Tier rules turned off: categories change by hand only."}
            </p>
            {result.rules?.rungs.length === 0 && !result.dryRun ? null : <MovesTable moves={result.moves} />}
          </div>
        ) : null}
      </form>
    </Panel>
  );
}

function MovesTable({ moves }: { moves: Moves }) {
  if (!moves.length) return <p className="empty">Nobody: every customer is where the rules put them.</p>;
  return (
    <div className="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">From</th>
            <th scope="col">To</th>
            <th scope="col" className="num">
              Customers
            </th>
          </tr>
        </thead>
        <tbody>
          {moves.map((move) => (
            <tr key={`${move.from.name}-${move.to.name}`}>
              <td>{move.from.name}</td>
              <td>{move.to.name}</td>
              <td className="num">{formatPoints(move.customers)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function EvaluatePanel() {
  const [state, evaluate] = useMutation(EvaluateTiersDocument);
  const [asked, setAsked] = useState(false);
  const payload = asked ? state.data?.evaluateTiers : undefined;
  return (
    <Panel
      title="Evaluate now"
      description="Places every customer not set by hand by the tier rules now, as the daily evaluation does."
    >
      <div className="actions">
        <button
          type="button"
          disabled={state.fetching}
          onClick={() => {
            setAsked(true);
            void evaluate({});
          }}
        >
          Evaluate tiers now
        </button>
      </div>
      <RequestError error={asked ? state.error : undefined} />
      {payload ? (
        <div className="moves" role="status">
          <FormErrors errors={payload.userErrors} />
          {payload.userErrors.length ? null : (
            <>
              <p className="ok">{plural(payload.movedCount, "customer")} moved.</p>
              {payload.moves.length ? <MovesTable moves={payload.moves} /> : null}
            </>
          )}
        </div>
      ) : null}
    </Panel>
  );
}
