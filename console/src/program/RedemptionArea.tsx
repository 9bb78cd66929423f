// Redemption: what points are worth at checkout, the limits, the products they may pay
// for, and the rate of vouchers bought with points (all MANAGE_REDEMPTION_RULES).
import { useState, type FormEvent } from "react";
import { useQuery } from "urql";
import {
  RedemptionRulesDocument,
  UpdateRedemptionRulesDocument,
  UpdateVoucherConversionDocument,
  VoucherConversionDocument,
  type ProductRuleKind,
  type RedemptionRulesQuery,
  type UpdateRedemptionRulesMutation,
  type UpdateVoucherConversionMutation,
  type VoucherConversionQuery,
} from "../generated/graphql";
import { Checkbox, errorFor, Field, FormErrors, Select } from "../ui/forms";
import { formatMoney, formatPoints } from "../ui/format";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { plural } from "./describe";
import { Panel, Saved, Settings } from "./fields";
import { Checks, bpText, formatBp, moneyText } from "./parse";
import { useSave } from "./useSave";

type Rules = RedemptionRulesQuery["redemptionRules"];
type Conversion = VoucherConversionQuery["voucherConversion"];
const rulesPayload = (data: UpdateRedemptionRulesMutation) => data.updateRedemptionRules;
const conversionPayload = (data: UpdateVoucherConversionMutation) => data.updateVoucherConversion;

const KINDS: { value: ProductRuleKind; label: string }[] = [
  { value: "SKU", label: "SKU" },
  { value: "LINE", label: "Product line" },
];

export function RedemptionArea() {
  const [rules] = useQuery({ query: RedemptionRulesDocument });
  const [conversion] = useQuery({ query: VoucherConversionDocument });
  return (
    <>
      {rules.data ? (
        <>
          <RulesSummary rules={rules.data.redemptionRules} />
          <RulesForm rules={rules.data.redemptionRules} />
          <ProductRulesPanel rules={rules.data.redemptionRules} />
        </>
      ) : rules.fetching ? (
        <Loading />
      ) : (
        <RequestError error={rules.error} />
      )}
      {conversion.data ? (
        <ConversionPanel conversion={conversion.data.voucherConversion} />
      ) : conversion.fetching ? null : (
        <RequestError error={conversion.error} />
      )}
    </>
  );
}

function worth(points: number, valueMinor: number): string {
  return `${formatPoints(points)} ${points === 1 ? "point" : "points"} = ${formatMoney(valueMinor)}`;
}

function RulesSummary({ rules }: { rules: Rules }) {
  const caps = [
    rules.maxDiscountMinor !== null ? formatMoney(rules.maxDiscountMinor) : null,
    rules.maxDiscountBp !== null ? `${formatBp(rules.maxDiscountBp)} of the cart` : null,
  ].filter(Boolean);
  return (
    <Panel title="Rules in force">
      <Settings
        items={[
          ["Worth", worth(rules.pointsPerUnit, rules.valuePerUnitMinor)],
          ["Minimum balance to redeem", `${formatPoints(rules.minBalancePoints)} points`],
          ["Minimum cart", formatMoney(rules.minCartMinor)],
          ["Largest discount per order", caps.length ? caps.join(" and at most ") : "No cap"],
          ["Discounted lines", rules.excludeDiscounted ? "Not payable with points" : "Payable"],
          [
            "Part paid with points",
            rules.earnOnPointsPaid ? "Earns points" : "Earns no points",
          ],
        ]}
      />
    </Panel>
  );
}

function RulesForm({ rules }: { rules: Rules }) {
  const [pointsPerUnit, setPointsPerUnit] = useState(String(rules.pointsPerUnit));
  const [value, setValue] = useState(moneyText(rules.valuePerUnitMinor));
  const [minBalance, setMinBalance] = useState(String(rules.minBalancePoints));
  const [minCart, setMinCart] = useState(moneyText(rules.minCartMinor));
  const [maxDiscount, setMaxDiscount] = useState(moneyText(rules.maxDiscountMinor));
  const [maxShare, setMaxShare] = useState(bpText(rules.maxDiscountBp));
  const [excludeDiscounted, setExcludeDiscounted] = useState(rules.excludeDiscounted);
  const [earnOnPointsPaid, setEarnOnPointsPaid] = useState(rules.earnOnPointsPaid);
  const { errors, requestError, saving, saved, save } = useSave(
    UpdateRedemptionRulesDocument,
    rulesPayload,
  );

  function submit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks();
    const input = {
      pointsPerUnit: checks.whole("pointsPerUnit", pointsPerUnit),
      valuePerUnitMinor: checks.money("valuePerUnitMinor", value),
      minBalancePoints: checks.whole("minBalancePoints", minBalance),
      minCartMinor: checks.money("minCartMinor", minCart),
      maxDiscountMinor: checks.optionalMoney("maxDiscountMinor", maxDiscount),
      maxDiscountBp: checks.optionalPercent("maxDiscountBp", maxShare),
      excludeDiscounted,
      earnOnPointsPaid,
    };
    void save({ input }, checks.errors);
  }

  const fields = [
    "pointsPerUnit",
    "valuePerUnitMinor",
    "minBalancePoints",
    "minCartMinor",
    "maxDiscountMinor",
    "maxDiscountBp",
    "excludeDiscounted",
    "earnOnPointsPaid",
  ];
  return (
    <Panel
      title="Change the rules"
      description="Points pay floor(points × value ÷ points per unit); a quote never pays more than the caps allow."
    >
      <form onSubmit={submit} noValidate aria-label="Redemption rules">
        <div className="form-grid">
          <Field
            label="Points"
            inputMode="numeric"
            value={pointsPerUnit}
            onChange={(e) => setPointsPerUnit(e.target.value)}
            error={errorFor(errors, "pointsPerUnit")}
            hint="This many points…"
          />
          <Field
            label="Are worth"
            inputMode="decimal"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            error={errorFor(errors, "valuePerUnitMinor")}
            hint="…this amount, e.g. 1.00."
          />
          <Field
            label="Minimum balance to redeem"
            inputMode="numeric"
            value={minBalance}
            onChange={(e) => setMinBalance(e.target.value)}
            error={errorFor(errors, "minBalancePoints")}
            hint="Points; 0 for none."
          />
          <Field
            label="Minimum cart"
            inputMode="decimal"
            value={minCart}
            onChange={(e) => setMinCart(e.target.value)}
            error={errorFor(errors, "minCartMinor")}
          />
          <Field
            label="Largest discount (amount)"
            inputMode="decimal"
            value={maxDiscount}
            onChange={(e) => setMaxDiscount(e.target.value)}
            error={errorFor(errors, "maxDiscountMinor")}
            hint="Empty: no cap."
          />
          <Field
            label="Largest discount (% of cart)"
            inputMode="decimal"
            value={maxShare}
            onChange={(e) => setMaxShare(e.target.value)}
            error={errorFor(errors, "maxDiscountBp")}
            hint="Empty: no cap."
          />
        </div>
        <Checkbox
          label="Lines already discounted cannot be paid with points"
          checked={excludeDiscounted}
          onChange={(e) => setExcludeDiscounted(e.target.checked)}
          error={errorFor(errors, "excludeDiscounted")}
        />
        <Checkbox
          label="The part of an order paid with points earns points"
          checked={earnOnPointsPaid}
          onChange={(e) => setEarnOnPointsPaid(e.target.checked)}
          error={errorFor(errors, "earnOnPointsPaid")}
        />
        <FormErrors errors={errors} fields={fields} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Save redemption rules
          </button>
          <Saved show={saved !== null} />
        </div>
      </form>
    </Panel>
  );
}

function ProductRulesPanel({ rules }: { rules: Rules }) {
  const [kind, setKind] = useState<ProductRuleKind>("SKU");
  const [key, setKey] = useState("");
  const [payable, setPayable] = useState("false");
  const add = useSave(UpdateRedemptionRulesDocument, rulesPayload);
  const remove = useSave(UpdateRedemptionRulesDocument, rulesPayload);
  const [removed, setRemoved] = useState<string | null>(null);
  const onlyListed = rules.productRules.some((rule) => rule.payable);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks();
    const named = checks.required("productRules.0.key", key, "a SKU or product line");
    const input = { productRules: [{ kind, key: named, payable: payable === "true" }] };
    if (await add.save({ input }, checks.errors)) setKey("");
  }

  async function removeOne(ruleKind: ProductRuleKind, ruleKey: string) {
    setRemoved(null);
    if (await remove.save({ input: { removeProductRules: [{ kind: ruleKind, key: ruleKey }] } })) {
      setRemoved(ruleKey);
    }
  }

  return (
    <Panel
      title="Products and points"
      description="“Never payable” excludes a product or line. Once any product is listed as payable, only listed products can be paid with points; an exclusion always wins."
    >
      {rules.productRules.length ? (
        <>
          {onlyListed ? (
            <p className="hint">Only the products listed as payable can be paid with points.</p>
          ) : null}
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">SKU or line</th>
                  <th scope="col">With points</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rules.productRules.map((rule) => (
                  <tr key={`${rule.kind}-${rule.key}`}>
                    <td>{rule.kind === "SKU" ? "SKU" : "Product line"}</td>
                    <td>
                      <code>{rule.key}</code>
                    </td>
                    <td>{rule.payable ? "Payable" : "Never payable"}</td>
                    <td className="row-actions">
                      <button
                        type="button"
                        className="secondary"
                        disabled={remove.saving}
                        onClick={() => void removeOne(rule.kind, rule.key)}
                        aria-label={`Remove the rule of ${rule.key}`}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : (
        <p className="empty">No product rules: every product can be paid with points.</p>
      )}
      <FormErrors errors={remove.errors} />
      <RequestError error={remove.requestError} />
      <Saved show={removed !== null}>{`The rule of ${removed ?? ""} was removed.`}</Saved>

      <h4>Add or replace a product rule</h4>
      <form onSubmit={submit} noValidate aria-label="Add a product rule">
        <div className="form-grid">
          <Select
            label="Kind"
            value={kind}
            onChange={(e) => setKind(e.target.value as ProductRuleKind)}
            options={KINDS}
            error={errorFor(add.errors, "productRules.0.kind")}
          />
          <Field
            label={kind === "SKU" ? "SKU" : "Product line"}
            value={key}
            onChange={(e) => setKey(e.target.value)}
            error={errorFor(add.errors, "productRules.0.key")}
            autoComplete="off"
          />
          <Select
            label="With points"
            value={payable}
            onChange={(e) => setPayable(e.target.value)}
            options={[
              { value: "false", label: "Never payable" },
              { value: "true", label: "Payable (only listed products)" },
            ]}
          />
        </div>
        <FormErrors errors={add.errors} fields={["productRules.0.kind", "productRules.0.key"]} />
        <RequestError error={add.requestError} />
        <div className="actions">
          <button type="submit" disabled={add.saving}>
            Save product rule
          </button>
          <Saved show={add.saved !== null} />
        </div>
      </form>
    </Panel>
  );
}

function ConversionPanel({ conversion }: { conversion: Conversion }) {
  const [enabled, setEnabled] = useState(conversion.enabled);
  const [pointsPerUnit, setPointsPerUnit] = useState(String(conversion.pointsPerUnit));
  const [value, setValue] = useState(moneyText(conversion.valuePerUnitMinor));
  const [validityDays, setValidityDays] = useState(
    conversion.validityDays === null ? "" : String(conversion.validityDays),
  );
  const [minValue, setMinValue] = useState(moneyText(conversion.minValueMinor));
  const [maxValue, setMaxValue] = useState(moneyText(conversion.maxValueMinor));
  const { errors, requestError, saving, saved, save } = useSave(
    UpdateVoucherConversionDocument,
    conversionPayload,
  );

  function submit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks();
    const input = {
      enabled,
      pointsPerUnit: checks.whole("pointsPerUnit", pointsPerUnit),
      valuePerUnitMinor: checks.money("valuePerUnitMinor", value),
      validityDays: checks.optionalWhole("validityDays", validityDays),
      minValueMinor: checks.money("minValueMinor", minValue),
      maxValueMinor: checks.optionalMoney("maxValueMinor", maxValue),
    };
    void save({ input }, checks.errors);
  }

  const fields = [
    "enabled",
    "pointsPerUnit",
    "valuePerUnitMinor",
    "validityDays",
    "minValueMinor",
    "maxValueMinor",
  ];
  return (
    <Panel
      title="Points into vouchers"
      description="Customers may turn points into a single-use voucher at this rate (often another rate than points spent at the till)."
    >
      <Settings
        items={[
          ["Now", conversion.enabled ? "On" : "Off"],
          ["Rate", worth(conversion.pointsPerUnit, conversion.valuePerUnitMinor)],
          [
            "Vouchers",
            `${formatMoney(conversion.minValueMinor)} to ${conversion.maxValueMinor === null ? "any amount" : formatMoney(conversion.maxValueMinor)}, ${conversion.validityDays === null ? "never end" : `valid ${plural(conversion.validityDays, "day")}`}`,
          ],
        ]}
      />
      <h4>Change the conversion</h4>
      <form onSubmit={submit} noValidate aria-label="Points into vouchers">
        <Checkbox
          label="Customers may turn points into vouchers"
          checked={enabled}
          onChange={(e) => setEnabled(e.target.checked)}
          error={errorFor(errors, "enabled")}
        />
        <div className="form-grid">
          <Field
            label="Points"
            inputMode="numeric"
            value={pointsPerUnit}
            onChange={(e) => setPointsPerUnit(e.target.value)}
            error={errorFor(errors, "pointsPerUnit")}
          />
          <Field
            label="Buy voucher value"
            inputMode="decimal"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            error={errorFor(errors, "valuePerUnitMinor")}
          />
          <Field
            label="Valid for (days)"
            inputMode="numeric"
            value={validityDays}
            onChange={(e) => setValidityDays(e.target.value)}
            error={errorFor(errors, "validityDays")}
            hint="Empty: never ends."
          />
          <Field
            label="Smallest voucher"
            inputMode="decimal"
            value={minValue}
            onChange={(e) => setMinValue(e.target.value)}
            error={errorFor(errors, "minValueMinor")}
          />
          <Field
            label="Largest voucher"
            inputMode="decimal"
            value={maxValue}
            onChange={(e) => setMaxValue(e.target.value)}
            error={errorFor(errors, "maxValueMinor")}
            hint="Empty: no limit."
          />
        </div>
        <FormErrors errors={errors} fields={fields} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Save conversion
          </button>
          <Saved show={saved !== null} />
        </div>
      </form>
    </Panel>
  );
}
