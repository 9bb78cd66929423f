// Price rules: conditional discounts and member prices, on all products, some SKUs or
// product lines, for everyone, badge holders, categories or a saved segment
// (MANAGE_ENGAGEMENT).
import { useState, type FormEvent } from "react";
import { useQuery } from "urql";
import {
  BadgesDocument,
  CreatePriceRuleDocument,
  PointCategoriesDocument,
  PriceRulesDocument,
  UpdatePriceRuleDocument,
  type CreatePriceRuleInput,
  type CreatePriceRuleMutation,
  type PriceRuleCondition,
  type PriceRuleEffect,
  type PriceRuleScope,
  type PriceRulesQuery,
  type UpdatePriceRuleMutation,
} from "../generated/graphql";
import { Checkbox, errorFor, Field, FormErrors, Select } from "../ui/forms";
import { formatDate, formatMoney } from "../ui/format";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { CheckboxGroup, Panel, Saved } from "./fields";
import { Pager, useCursorPages } from "./Pager";
import { Checks, formatBp, parseList } from "./parse";
import { newKey, useSave } from "./useSave";

type Rule = PriceRulesQuery["priceRules"]["nodes"][number];
type Named = { id: string; name: string };
const RULES = { additionalTypenames: ["PriceRule"] };
const PAGE = 20;
const EFFECTS: { value: PriceRuleEffect; label: string }[] = [
  { value: "PERCENT", label: "Percent off each unit" },
  { value: "AMOUNT_OFF", label: "Amount off each unit" },
  { value: "MEMBER_PRICE", label: "Member price per unit" },
];
const SCOPES: { value: PriceRuleScope; label: string }[] = [
  { value: "ALL", label: "Every product" },
  { value: "SKUS", label: "Some SKUs" },
  { value: "PRODUCT_LINES", label: "Some product lines" },
];
const CONDITIONS: { value: PriceRuleCondition; label: string }[] = [
  { value: "NONE", label: "Everyone" },
  { value: "ANY_BADGE", label: "Holders of any of some badges" },
  { value: "ALL_BADGES", label: "Holders of all of some badges" },
  { value: "CATEGORY", label: "Customers in some categories" },
  { value: "SEGMENT", label: "Customers in a saved segment" },
];
const VALUE_FIELD: Record<PriceRuleEffect, "percentBp" | "amountOffMinor" | "memberPriceMinor"> = {
  PERCENT: "percentBp",
  AMOUNT_OFF: "amountOffMinor",
  MEMBER_PRICE: "memberPriceMinor",
};
const createPayload = (data: CreatePriceRuleMutation) => data.createPriceRule;
const updatePayload = (data: UpdatePriceRuleMutation) => data.updatePriceRule;

export function PriceRulesArea() {
  const pages = useCursorPages();
  const [rules] = useQuery({
    query: PriceRulesDocument,
    variables: { first: PAGE, after: pages.after },
    context: RULES,
  });
  const [badges] = useQuery({ query: BadgesDocument, variables: { activeOnly: false } });
  const [categories] = useQuery({ query: PointCategoriesDocument });
  const badgeList: Named[] = (badges.data?.badges ?? []).map((b) => ({ id: b.id, name: b.title }));
  const categoryList: Named[] = categories.data?.pointCategories ?? [];
  const page = rules.data?.priceRules;
  return (
    <>
      <Panel title="Price rules">
        {page ? (
          <>
            <RuleTable rules={page.nodes} badges={badgeList} categories={categoryList} />
            <Pager
              label="Price rule pages"
              page={pages.page}
              hasNext={page.pageInfo.hasNextPage}
              onNext={() => pages.next(page.pageInfo.endCursor)}
              onPrevious={pages.previous}
            />
          </>
        ) : rules.fetching ? (
          <Loading />
        ) : (
          <RequestError error={rules.error} />
        )}
      </Panel>
      <CreateRuleForm badges={badgeList} categories={categoryList} onCreated={pages.first} />
    </>
  );
}

function effectText(rule: Rule): string {
  switch (rule.effect) {
    case "PERCENT":
      return `${formatBp(rule.percentBp ?? 0)} off`;
    case "AMOUNT_OFF":
      return `${formatMoney(rule.amountOffMinor ?? 0)} off each`;
    case "MEMBER_PRICE":
      return `${formatMoney(rule.memberPriceMinor ?? 0)} each`;
  }
}

function scopeText(rule: Rule): string {
  if (rule.scope === "SKUS") return `SKUs ${rule.skus.join(", ")}`;
  if (rule.scope === "PRODUCT_LINES") return `Lines ${rule.productLines.join(", ")}`;
  return "Every product";
}

function names(ids: readonly string[], known: Named[]): string {
  return ids.map((id) => known.find((k) => k.id === id)?.name ?? `#${id}`).join(", ");
}

function whoText(rule: Rule, badges: Named[], categories: Named[]): string {
  switch (rule.condition) {
    case "NONE":
      return "Everyone";
    case "ANY_BADGE":
      return `Holders of ${names(rule.badgeIds, badges).replace(/, ([^,]*)$/, " or $1")}`;
    case "ALL_BADGES":
      return `Holders of ${names(rule.badgeIds, badges).replace(/, ([^,]*)$/, " and $1")}`;
    case "CATEGORY":
      return `Category ${names(rule.categoryIds, categories)}`;
    case "SEGMENT":
      return `Segment ${rule.segment ?? ""}`;
  }
}

function validText(rule: Rule): string {
  if (!rule.validFrom && !rule.validUntil) return "Always";
  if (!rule.validUntil) return `From ${formatDate(rule.validFrom)}`;
  if (!rule.validFrom) return `Until ${formatDate(rule.validUntil)}`;
  return `${formatDate(rule.validFrom)} – ${formatDate(rule.validUntil)}`;
}

function RuleTable({
  rules,
  badges,
  categories,
}: {
  rules: Rule[];
  badges: Named[];
  categories: Named[];
}) {
  const toggle = useSave(UpdatePriceRuleDocument, updatePayload);
  if (!rules.length) return <p className="empty">No price rules yet: add the first below.</p>;
  return (
    <>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Price</th>
              <th scope="col">On</th>
              <th scope="col">For</th>
              <th scope="col">Valid</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rules.map((rule) => (
              <tr key={rule.id}>
                <td>
                  <strong>{rule.name}</strong>
                  {rule.includeDiscounted ? (
                    <>
                      <br />
                      <small className="hint">Also on discounted lines</small>
                    </>
                  ) : null}
                </td>
                <td>{effectText(rule)}</td>
                <td>{scopeText(rule)}</td>
                <td>{whoText(rule, badges, categories)}</td>
                <td>{validText(rule)}</td>
                <td>
                  <span className={rule.active ? "status-on" : "status-off"}>
                    {rule.active ? "Active" : "Off"}
                  </span>
                </td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="secondary"
                    disabled={toggle.saving}
                    onClick={() => void toggle.save({ input: { id: rule.id, active: !rule.active } })}
                    aria-label={`${rule.active ? "Switch off" : "Switch on"} ${rule.name}`}
                  >
                    {rule.active ? "Switch off" : "Switch on"}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <FormErrors errors={toggle.errors} />
      <RequestError error={toggle.requestError} />
    </>
  );
}

function CreateRuleForm({
  badges,
  categories,
  onCreated,
}: {
  badges: Named[];
  categories: Named[];
  onCreated: () => void;
}) {
  const [name, setName] = useState("");
  const [effect, setEffect] = useState<PriceRuleEffect>("PERCENT");
  const [value, setValue] = useState("");
  const [scope, setScope] = useState<PriceRuleScope>("ALL");
  const [keys, setKeys] = useState("");
  const [condition, setCondition] = useState<PriceRuleCondition>("NONE");
  const [badgeIds, setBadgeIds] = useState<string[]>([]);
  const [categoryIds, setCategoryIds] = useState<string[]>([]);
  const [segment, setSegment] = useState("");
  const [includeDiscounted, setIncludeDiscounted] = useState(false);
  const [validFrom, setValidFrom] = useState("");
  const [validUntil, setValidUntil] = useState("");
  const [active, setActive] = useState(true);
  const [key, setKey] = useState(newKey);
  const { errors, requestError, saving, saved, save } = useSave(
    CreatePriceRuleDocument,
    createPayload,
  );
  const valueField = VALUE_FIELD[effect];
  const keysField = scope === "SKUS" ? "skus" : "productLines";
  const badgeCondition = condition === "ANY_BADGE" || condition === "ALL_BADGES";

  async function submit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks();
    const input: CreatePriceRuleInput = {
      name: checks.required("name", name, "a name"),
      effect,
      [valueField]:
        effect === "PERCENT" ? checks.percent(valueField, value) : checks.money(valueField, value),
      scope,
      condition,
      includeDiscounted,
      validFrom: checks.time("validFrom", validFrom),
      validUntil: checks.time("validUntil", validUntil),
      active,
      idempotencyKey: key,
    };
    if (scope !== "ALL") input[keysField] = parseList(keys);
    if (badgeCondition) input.badgeIds = badgeIds;
    if (condition === "CATEGORY") input.categoryIds = categoryIds;
    if (condition === "SEGMENT") input.segment = checks.required("segment", segment, "the segment's name");
    if (await save({ input }, checks.errors)) {
      setName("");
      setValue("");
      setKeys("");
      setKey(newKey());
      onCreated();
    }
  }

  const fields = [
    "name",
    "effect",
    valueField,
    "scope",
    "skus",
    "productLines",
    "condition",
    "badgeIds",
    "categoryIds",
    "segment",
    "validFrom",
    "validUntil",
  ];
  return (
    <Panel
      title="Add a price rule"
      description="Each line gets the lowest price of the rules that apply to the customer and the line, never above the shelf price; on equal prices, the oldest rule."
    >
      <form onSubmit={submit} noValidate aria-label="Add a price rule">
        <div className="form-grid">
          <Field
            label="Name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={errorFor(errors, "name")}
            autoComplete="off"
          />
          <Select
            label="Price"
            value={effect}
            onChange={(e) => {
              setEffect(e.target.value as PriceRuleEffect);
              setValue("");
            }}
            options={EFFECTS}
            error={errorFor(errors, "effect")}
          />
          <Field
            label={effect === "PERCENT" ? "Percent off" : effect === "AMOUNT_OFF" ? "Amount off" : "Member price"}
            inputMode="decimal"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            error={errorFor(errors, valueField)}
            hint={effect === "PERCENT" ? "E.g. 10; rounded down per unit." : "Per unit, e.g. 8.99."}
          />
          <Select
            label="On"
            value={scope}
            onChange={(e) => setScope(e.target.value as PriceRuleScope)}
            options={SCOPES}
            error={errorFor(errors, "scope")}
          />
          {scope === "ALL" ? null : (
            <Field
              label={scope === "SKUS" ? "SKUs" : "Product lines"}
              value={keys}
              onChange={(e) => setKeys(e.target.value)}
              error={errorFor(errors, keysField)}
              hint="Comma-separated."
              autoComplete="off"
            />
          )}
          <Select
            label="For"
            value={condition}
            onChange={(e) => setCondition(e.target.value as PriceRuleCondition)}
            options={CONDITIONS}
            error={errorFor(errors, "condition")}
          />
          {condition === "SEGMENT" ? (
            <Field
              label="Saved segment"
              value={segment}
              onChange={(e) => setSegment(e.target.value)}
              error={errorFor(errors, "segment")}
              hint="Its name, as saved in Funnels."
              autoComplete="off"
            />
          ) : null}
          <Field
            label="Valid from"
            type="datetime-local"
            value={validFrom}
            onChange={(e) => setValidFrom(e.target.value)}
            error={errorFor(errors, "validFrom")}
            hint="Empty: at once."
          />
          <Field
            label="Valid until"
            type="datetime-local"
            value={validUntil}
            onChange={(e) => setValidUntil(e.target.value)}
            error={errorFor(errors, "validUntil")}
            hint="Exclusive; empty: no end."
          />
        </div>
        {badgeCondition ? (
          <CheckboxGroup
            legend="Badges"
            options={badges.map((b) => ({ value: b.id, label: b.name }))}
            value={badgeIds}
            onChange={setBadgeIds}
            error={errorFor(errors, "badgeIds")}
          />
        ) : null}
        {condition === "CATEGORY" ? (
          <CheckboxGroup
            legend="Categories"
            options={categories.map((c) => ({ value: c.id, label: c.name }))}
            value={categoryIds}
            onChange={setCategoryIds}
            error={errorFor(errors, "categoryIds")}
          />
        ) : null}
        <Checkbox
          label="Also on lines the shop already discounted"
          checked={includeDiscounted}
          onChange={(e) => setIncludeDiscounted(e.target.checked)}
        />
        <Checkbox label="Active" checked={active} onChange={(e) => setActive(e.target.checked)} />
        <FormErrors errors={errors} fields={fields} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Add price rule
          </button>
          <Saved show={saved !== null}>
            {saved?.createPriceRule.rule ? `${saved.createPriceRule.rule.name} was added.` : null}
          </Saved>
        </div>
      </form>
    </Panel>
  );
}
