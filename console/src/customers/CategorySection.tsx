// The customer's category (tier): where they are and how they got there, the history of
// changes, and (MANAGE_CATEGORIES) a move by hand or a hand-back to the tier rules.
import { useState, type FormEvent } from "react";
import { useMutation } from "urql";
import {
  ReleaseCategoryOverrideDocument,
  SetCustomerCategoryDocument,
  type Customer360Query,
} from "../generated/graphql";
import { FormErrors, Select, errorFor, type UserError } from "../ui/forms";
import { RequestError } from "../ui/RequestError";
import { formatDate, formatPoints } from "../ui/format";
import type { Customer } from "./CustomerPage";
import { actorLabel } from "../ui/actors";

type Category = Customer360Query["pointCategories"][number];

export function CategorySection({
  customer,
  categories,
  canChange,
  onChanged,
}: {
  customer: Customer;
  categories: Category[];
  canChange: boolean;
  onChanged: () => void;
}) {
  const history = customer.categoryHistory;
  return (
    <section className="card" aria-labelledby="category-heading">
      <h2 id="category-heading">Category</h2>
      <p>
        <span className="badge strong">{customer.category.name}</span>{" "}
        {customer.categoryManual
          ? "Set by hand: the tier rules leave it alone."
          : "Placed by the tier rules (or the default for new customers)."}
      </p>
      {canChange ? <ChangeCategory customer={customer} categories={categories} onChanged={onChanged} /> : null}
      <h3>History</h3>
      {history.nodes.length === 0 ? (
        <p className="hint">The category has not changed since registration.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Change</th>
                <th scope="col">How</th>
              </tr>
            </thead>
            <tbody>
              {history.nodes.map((change) => (
                <tr key={change.id}>
                  <td className="nowrap">{formatDate(change.changedAt)}</td>
                  <td>
                    {change.from.name} <span aria-hidden="true">→</span>
                    <span className="visually-hidden">to</span> {change.to.name}
                  </td>
                  <td>
                    {change.reason === "RULE"
                      ? `Tier rules${change.value !== null ? ` (${change.measure === "LIFETIME_SPEND" ? "spend" : "points earned"} ${formatPoints(change.value)})` : ""}`
                      : `By hand, ${actorLabel(change.actor)}`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {history.pageInfo.hasNextPage ? <p className="hint">The 10 latest changes.</p> : null}
    </section>
  );
}

function ChangeCategory({
  customer,
  categories,
  onChanged,
}: {
  customer: Customer;
  categories: Category[];
  onChanged: () => void;
}) {
  const [target, setTarget] = useState(customer.category.id);
  const [userErrors, setUserErrors] = useState<UserError[]>([]);
  const [done, setDone] = useState<string | null>(null);
  const [moving, move] = useMutation(SetCustomerCategoryDocument);
  const [releasing, release] = useMutation(ReleaseCategoryOverrideDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    const result = await move({ input: { categoryId: target, customerIds: [customer.id] } });
    const payload = result.data?.setCustomerCategory;
    if (!payload) return;
    setUserErrors(payload.userErrors);
    if (payload.userErrors.length) return;
    const name = categories.find((c) => c.id === target)?.name ?? target;
    setDone(`Moved to ${name}, set by hand.`);
    onChanged();
  }

  async function handBack() {
    setDone(null);
    const result = await release({ input: { customerIds: [customer.id] } });
    const payload = result.data?.releaseCategoryOverride;
    if (!payload) return;
    setUserErrors(payload.userErrors);
    if (payload.userErrors.length) return;
    const now = payload.customers[0]?.category.name;
    setDone(`Handed back to the tier rules${now ? `: now in ${now}` : ""}.`);
    onChanged();
  }

  return (
    <form className="row change-category" onSubmit={submit}>
      <Select
        label="Move to"
        options={categories.map((c) => ({ value: c.id, label: c.name }))}
        value={target}
        onChange={(e) => setTarget(e.target.value)}
        error={errorFor(userErrors, "categoryId")}
      />
      <div className="field button-field">
        <button type="submit" disabled={moving.fetching || target === customer.category.id}>
          Move
        </button>
      </div>
      {customer.categoryManual ? (
        <div className="field button-field">
          <button type="button" className="secondary" onClick={handBack} disabled={releasing.fetching}>
            Hand back to the tier rules
          </button>
        </div>
      ) : null}
      <div className="wide">
        <FormErrors errors={userErrors} fields={["categoryId"]} />
        <RequestError error={moving.error ?? releasing.error} />
        {done ? (
          <p className="ok" role="status">
            {done}
          </p>
        ) : null}
      </div>
    </form>
  );
}
