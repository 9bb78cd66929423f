// Categories (tiers) with their earning multipliers, and the tier rules that place
// customers in them. Categories change with MANAGE_CATEGORIES, tier rules with
// MANAGE_ENGAGEMENT.
import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { useSession } from "../app/session";
import {
  CreatePointCategoryDocument,
  EvaluateTiersDocument,
  PointCategoriesDocument,
  SetTierRulesDocument,
  TierRulesDocument,
  UpdatePointCategoryDocument,
  type CreatePointCategoryMutation,
  type PointCategoriesQuery,
  type SetTierRulesMutation,
  type TierMeasure,
  type TierRulesQuery,
  type UpdatePointCategoryMutation,
} from "../generated/graphql";
import { Checkbox, errorFor, Field, FormErrors, Select } from "../ui/forms";
import { formatDate, formatMoney, formatPoints } from "../ui/format";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { plural } from "./describe";
import { Panel, Saved } from "./fields";
import { Checks, formatMultiplier, moneyText } from "./parse";
import { newKey, useSave } from "./useSave";

type Category = PointCategoriesQuery["pointCategories"][number];
type Rules = TierRulesQuery["tierRules"];
type Moves = SetTierRulesMutation["setTierRules"]["moves"];

const CATEGORIES = { additionalTypenames: ["PointCategory"] };
const MEASURES: { value: TierMeasure; label: string }[] = [
  { value: "LIFETIME_SPEND", label: "Lifetime spend" },
  { value: "POINTS_EARNED", label: "Points earned in a rolling window" },
];

export function CategoriesArea() {
  const { can } = useSession();
  const [categories] = useQuery({ query: PointCategoriesDocument, context: CATEGORIES });
  const [tiers] = useQuery({ query: TierRulesDocument });
  if (!categories.data || !tiers.data) {
    return categories.fetching || tiers.fetching ? (
      <Loading />
    ) : (
      <RequestError error={categories.error ?? tiers.error} />
    );
  }
  const list = categories.data.pointCategories;
  return (
    <>
      <Panel title="Categories">
        <CategoryTable categories={list} />
      </Panel>
      {can("MANAGE_CATEGORIES") ? (
        <>
          <CreateCategoryForm />
          <UpdateCategoryForm key={list.map((c) => c.id).join()} categories={list} />
        </>
      ) : null}
      <Panel title="Tier rules in force">
        <TierSummary rules={tiers.data.tierRules} />
      </Panel>
      {can("MANAGE_ENGAGEMENT") ? (
        <>
          <TierRulesForm
            key={tiers.data.tierRules.updatedAt ?? "none"}
            rules={tiers.data.tierRules}
            categories={list}
          />
          <EvaluatePanel />
        </>
      ) : null}
    </>
  );
}

function CategoryTable({ categories }: { categories: Category[] }) {
  return (
    <div className="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col" className="num">
              Earning multiplier
            </th>
            <th scope="col">Default</th>
          </tr>
        </thead>
        <tbody>
          {categories.map((c) => (
            <tr key={c.id}>
              <td>{c.name}</td>
              <td className="num">{formatMultiplier(c.earnMultiplier)}</td>
              <td>{c.isDefault ? <span className="badge">Default for new customers</span> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const createPayload = (data: CreatePointCategoryMutation) => data.createPointCategory;

function CreateCategoryForm() {
  const [name, setName] = useState("");
  const [multiplier, setMultiplier] = useState("1");
  const [isDefault, setIsDefault] = useState(false);
  const [key, setKey] = useState(newKey);
  const { errors, requestError, saving, saved, save } = useSave(
    CreatePointCategoryDocument,
    createPayload,
  );

  async function submit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks();
    const input = {
      name: checks.required("name", name, "a name"),
      earnMultiplier: checks.multiplier("earnMultiplier", multiplier),
      isDefault,
      idempotencyKey: key,
    };
    if (await save({ input }, checks.errors)) {
      setName("");
      setMultiplier("1");
      setIsDefault(false);
      setKey(newKey());
    }
  }

  return (
    <Panel
      title="Add a category"
      description="The multiplier scales what the rate earns (2 earns double); product overrides are not multiplied."
    >
      <form onSubmit={submit} noValidate aria-label="Add a category">
        <div className="form-grid">
          <Field
            label="Name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={errorFor(errors, "name")}
            autoComplete="off"
          />
          <Field
            label="Earning multiplier"
            inputMode="decimal"
            value={multiplier}
            onChange={(e) => setMultiplier(e.target.value)}
            error={errorFor(errors, "earnMultiplier")}
            hint="Up to 4 decimals, e.g. 1.5."
          />
        </div>
        <Checkbox
          label="Default category for new customers"
          checked={isDefault}
          onChange={(e) => setIsDefault(e.target.checked)}
          error={errorFor(errors, "isDefault")}
        />
        <FormErrors errors={errors} fields={["name", "earnMultiplier", "isDefault"]} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Add category
          </button>
          <Saved show={saved !== null}>
            {saved?.createPointCategory.category
              ? `${saved.createPointCategory.category.name} was added.`
              : null}
          </Saved>
        </div>
      </form>
    </Panel>
  );
}

const updatePayload = (data: UpdatePointCategoryMutation) => data.updatePointCategory;

function UpdateCategoryForm({ categories }: { categories: Category[] }) {
  const first = categories[0];
  const [id, setId] = useState(first?.id ?? "");
  const chosen = categories.find((c) => c.id === id);
  const [name, setName] = useState(first?.name ?? "");
  const [multiplier, setMultiplier] = useState(first ? String(Number(first.earnMultiplier)) : "");
  const [isDefault, setIsDefault] = useState(first?.isDefault ?? false);
  const { errors, requestError, saving, saved, save, reset } = useSave(
    UpdatePointCategoryDocument,
    updatePayload,
  );

  function choose(next: string) {
    const category = categories.find((c) => c.id === next);
    setId(next);
    setName(category?.name ?? "");
    setMultiplier(category ? String(Number(category.earnMultiplier)) : "");
    setIsDefault(category?.isDefault ?? false);
    reset();
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks();
    const input = {
      id,
      name: checks.required("name", name, "a name"),
      earnMultiplier: checks.multiplier("earnMultiplier", multiplier),
      // Only a category that is not the default can become it; the default stays until
      // another one takes its place.
      isDefault: chosen?.isDefault ? undefined : isDefault || undefined,
    };
    void save({ input }, checks.errors);
  }

  if (!first) return null;
  return (
    <Panel title="Change a category">
      <form onSubmit={submit} noValidate aria-label="Change a category">
        <div className="form-grid">
          <Select
            label="Category"
            value={id}
            onChange={(e) => choose(e.target.value)}
            options={categories.map((c) => ({ value: c.id, label: c.name }))}
          />
          <Field
            label="New name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={errorFor(errors, "name")}
            autoComplete="off"
          />
          <Field
            label="New multiplier"
            inputMode="decimal"
            value={multiplier}
            onChange={(e) => setMultiplier(e.target.value)}
            error={errorFor(errors, "earnMultiplier")}
          />
        </div>
        <Checkbox
          label="Default category for new customers"
          checked={isDefault}
          disabled={chosen?.isDefault}
          onChange={(e) => setIsDefault(e.target.checked)}
          error={errorFor(errors, "isDefault")}
          hint={chosen?.isDefault ? "To change the default, make another category the default." : undefined}
        />
        <FormErrors errors={errors} fields={["name", "earnMultiplier", "isDefault", "id"]} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Save category
          </button>
          <Saved show={saved !== null} />
        </div>
      </form>
    </Panel>
  );
}

function thresholdText(measure: TierMeasure, threshold: number): string {
  return measure === "LIFETIME_SPEND" ? formatMoney(threshold) : `${formatPoints(threshold)} points`;
}

function TierSummary({ rules }: { rules: Rules }) {
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

function TierRulesForm({ rules, categories }: { rules: Rules; categories: Category[] }) {
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

function EvaluatePanel() {
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
