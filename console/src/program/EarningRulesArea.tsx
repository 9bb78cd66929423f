// Earning rules: the global rate (P points per A of spend), when points are awarded, the
// minimum order, discounted lines, and overrides by SKU and by product line.
import { useState, type FormEvent } from "react";
import { useQuery } from "urql";
import {
  EarningRulesDocument,
  UpdateEarningRulesDocument,
  type EarningRulesQuery,
  type ProductEarningMode,
  type PurchaseStatus,
  type UpdateEarningRulesInput,
  type UpdateEarningRulesMutation,
} from "../generated/graphql";
import { Checkbox, errorFor, Field, FormErrors, Select } from "../ui/forms";
import { formatMoney, formatPoints } from "../ui/format";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { AWARD_STATUS, EARNING_MODES, describeOverride } from "./describe";
import { Panel, Saved, Settings } from "./fields";
import { Checks, moneyText } from "./parse";
import { useSave } from "./useSave";

type Rules = EarningRulesQuery["earningRules"];
const payload = (data: UpdateEarningRulesMutation) => data.updateEarningRules;

export function EarningRulesArea() {
  const [{ data, fetching, error }] = useQuery({ query: EarningRulesDocument });
  if (!data) return fetching ? <Loading /> : <RequestError error={error} />;
  const rules = data.earningRules;
  return (
    <>
      <Panel title="Rule in force">
        <Settings
          items={[
            [
              "Rate",
              `${formatPoints(rules.pointsPerUnit)} ${rules.pointsPerUnit === 1 ? "point" : "points"} per ${formatMoney(rules.spendUnitMinor)} spent`,
            ],
            [
              "Awarded",
              AWARD_STATUS.find((s) => s.value === rules.awardStatus)?.label ?? rules.awardStatus,
            ],
            ["Minimum order", formatMoney(rules.minOrderMinor)],
            ["Discounted lines", rules.excludeDiscounted ? "Earn nothing" : "Earn as usual"],
          ]}
        />
      </Panel>
      <RuleForm rules={rules} />
      <OverridesPanel kind="sku" rules={rules} />
      <OverridesPanel kind="line" rules={rules} />
    </>
  );
}

function RuleForm({ rules }: { rules: Rules }) {
  const [pointsPerUnit, setPointsPerUnit] = useState(String(rules.pointsPerUnit));
  const [spendUnit, setSpendUnit] = useState(moneyText(rules.spendUnitMinor));
  const [awardStatus, setAwardStatus] = useState<PurchaseStatus>(rules.awardStatus);
  const [minOrder, setMinOrder] = useState(moneyText(rules.minOrderMinor));
  const [excludeDiscounted, setExcludeDiscounted] = useState(rules.excludeDiscounted);
  const { errors, requestError, saving, saved, save } = useSave(
    UpdateEarningRulesDocument,
    payload,
  );

  function submit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks();
    const input = {
      pointsPerUnit: checks.whole("pointsPerUnit", pointsPerUnit),
      spendUnitMinor: checks.money("spendUnitMinor", spendUnit),
      awardStatus,
      minOrderMinor: checks.money("minOrderMinor", minOrder),
      excludeDiscounted,
    };
    void save({ input }, checks.errors);
  }

  const fields = ["pointsPerUnit", "spendUnitMinor", "awardStatus", "minOrderMinor"];
  return (
    <Panel
      title="Change the rule"
      description="Points = spend × points ÷ spend unit × the category's multiplier, rounded down. Changes apply to purchases awarded from now on; refunds use the rule the order earned under."
    >
      <form onSubmit={submit} noValidate aria-label="Earning rule">
        <div className="form-grid">
          <Field
            label="Points"
            inputMode="numeric"
            value={pointsPerUnit}
            onChange={(e) => setPointsPerUnit(e.target.value)}
            error={errorFor(errors, "pointsPerUnit")}
            hint="Earned per spend unit."
          />
          <Field
            label="Spend unit"
            inputMode="decimal"
            value={spendUnit}
            onChange={(e) => setSpendUnit(e.target.value)}
            error={errorFor(errors, "spendUnitMinor")}
            hint="The amount that earns those points, e.g. 1.00."
          />
          <Select
            label="Award points"
            value={awardStatus}
            onChange={(e) => setAwardStatus(e.target.value as PurchaseStatus)}
            options={AWARD_STATUS}
            error={errorFor(errors, "awardStatus")}
          />
          <Field
            label="Minimum order"
            inputMode="decimal"
            value={minOrder}
            onChange={(e) => setMinOrder(e.target.value)}
            error={errorFor(errors, "minOrderMinor")}
            hint={`Smaller orders earn nothing; ${moneyText(0)} for none.`}
          />
        </div>
        <Checkbox
          label="Lines already discounted earn nothing"
          checked={excludeDiscounted}
          onChange={(e) => setExcludeDiscounted(e.target.checked)}
          error={errorFor(errors, "excludeDiscounted")}
        />
        <FormErrors errors={errors} fields={[...fields, "excludeDiscounted"]} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Save earning rule
          </button>
          <Saved show={saved !== null} />
        </div>
      </form>
    </Panel>
  );
}

type Override = { key: string; mode: ProductEarningMode; value: number };

function OverridesPanel({ kind, rules }: { kind: "sku" | "line"; rules: Rules }) {
  const bySku = kind === "sku";
  const overrides: Override[] = bySku
    ? rules.productOverrides.map((o) => ({ key: o.sku, mode: o.mode, value: o.value }))
    : rules.productLineOverrides.map((o) => ({ key: o.productLine, mode: o.mode, value: o.value }));
  const listField = bySku ? "productOverrides" : "productLineOverrides";
  const keyField = bySku ? "sku" : "productLine";
  const keyLabel = bySku ? "SKU" : "Product line";

  const [key, setKey] = useState("");
  const [mode, setMode] = useState<ProductEarningMode>("FIXED_PER_UNIT");
  const [value, setValue] = useState("");
  const add = useSave(UpdateEarningRulesDocument, payload);
  const remove = useSave(UpdateEarningRulesDocument, payload);
  const [removed, setRemoved] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks();
    const at = `${listField}.0`;
    const named = checks.required(`${at}.${keyField}`, key, `a ${keyLabel.toLowerCase()}`);
    const amount =
      mode === "FIXED_PER_UNIT"
        ? checks.whole(`${at}.value`, value, "the points per unit")
        : mode === "PERCENT"
          ? checks.percent(`${at}.value`, value)
          : 0;
    const input: UpdateEarningRulesInput = bySku
      ? { productOverrides: [{ sku: named, mode, value: amount }] }
      : { productLineOverrides: [{ productLine: named, mode, value: amount }] };
    const done = await add.save({ input }, checks.errors);
    if (done) {
      setKey("");
      setValue("");
    }
  }

  async function removeOne(name: string) {
    setRemoved(null);
    const input = bySku ? { removeProductOverrides: [name] } : { removeProductLineOverrides: [name] };
    if (await remove.save({ input })) setRemoved(name);
  }

  const at = `${listField}.0`;
  const title = bySku ? "Overrides by SKU" : "Overrides by product line";
  return (
    <Panel
      title={title}
      description={
        bySku
          ? "A product's own override wins over its product line's. Override points are not multiplied by the category, but promotions multiply them."
          : "Every product of the line earns this instead of the rate, unless its SKU has an override."
      }
    >
      {overrides.length ? (
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col">{keyLabel}</th>
                <th scope="col">Earns</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {overrides.map((o) => (
                <tr key={o.key}>
                  <td>
                    <code>{o.key}</code>
                  </td>
                  <td>{describeOverride(o.mode, o.value)}</td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="secondary"
                      disabled={remove.saving}
                      onClick={() => void removeOne(o.key)}
                      aria-label={`Remove the override of ${o.key}`}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="empty">No overrides: every {bySku ? "product" : "line"} earns at the rate.</p>
      )}
      <FormErrors errors={remove.errors} />
      <RequestError error={remove.requestError} />
      <Saved show={removed !== null}>{`The override of ${removed ?? ""} was removed.`}</Saved>

      <h4>Add or replace an override</h4>
      <form onSubmit={submit} noValidate aria-label={`Add an override by ${keyLabel.toLowerCase()}`}>
        <div className="form-grid">
          <Field
            label={keyLabel}
            value={key}
            onChange={(e) => setKey(e.target.value)}
            error={errorFor(add.errors, `${at}.${keyField}`)}
            autoComplete="off"
          />
          <Select
            label="Earns"
            value={mode}
            onChange={(e) => setMode(e.target.value as ProductEarningMode)}
            options={EARNING_MODES}
            error={errorFor(add.errors, `${at}.mode`)}
          />
          {mode === "EXCLUDED" ? null : (
            <Field
              label={mode === "PERCENT" ? "Percent" : "Points per unit"}
              inputMode={mode === "PERCENT" ? "decimal" : "numeric"}
              value={value}
              onChange={(e) => setValue(e.target.value)}
              error={errorFor(add.errors, `${at}.value`)}
              hint={
                mode === "PERCENT"
                  ? `Of the line amount, as points: at 10%, a ${moneyText(5000)} line earns 5.`
                  : undefined
              }
            />
          )}
        </div>
        <FormErrors errors={add.errors} fields={[`${at}.${keyField}`, `${at}.mode`, `${at}.value`]} />
        <RequestError error={add.requestError} />
        <div className="actions">
          <button type="submit" disabled={add.saving}>
            Save override
          </button>
          <Saved show={add.saved !== null} />
        </div>
      </form>
    </Panel>
  );
}

