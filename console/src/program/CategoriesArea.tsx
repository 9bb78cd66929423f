// Categories (tiers) with their earning multipliers, and the tier rules that place
// customers in them. Categories change with MANAGE_CATEGORIES, tier rules with
// MANAGE_ENGAGEMENT.
import { useState, type FormEvent } from "react";
import { useQuery } from "urql";
import { useSession } from "../app/session";
import {
  CreatePointCategoryDocument,
  PointCategoriesDocument,
  TierRulesDocument,
  UpdatePointCategoryDocument,
  type CreatePointCategoryMutation,
  type PointCategoriesQuery,
  type UpdatePointCategoryMutation,
} from "../generated/graphql";
import { Checkbox, errorFor, Field, FormErrors, Select } from "../ui/forms";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { Panel, Saved } from "./fields";
import { Checks, formatMultiplier } from "./parse";
import { EvaluatePanel, TierRulesForm, TierSummary } from "./TierRules";
import { newKey, useSave } from "./useSave";

export type Category = PointCategoriesQuery["pointCategories"][number];

const CATEGORIES = { additionalTypenames: ["PointCategory"] };

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
