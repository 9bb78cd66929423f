// Find a customer by name, email, phone, card or the shop's reference, and narrow by balance;
// the search lives in the address (?q=&min=&max=), so coming back from a customer keeps it.
import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { useQuery } from "urql";
import { CustomersListDocument, type CustomerFilter } from "../generated/graphql";
import { useSession } from "../app/session";
import { Field } from "../ui/forms";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { formatPoints } from "../ui/format";
import { parsePoints } from "./forms";
import { customerName } from "./labels";
import { NewCustomerForm } from "./NewCustomer";
import { Pager, useCursors } from "./Pager";

const PAGE_SIZE = 20;

export function CustomerSearch() {
  const { can } = useSession();
  const [creating, setCreating] = useState(false);
  const [params, setParams] = useSearchParams();
  const filter: CustomerFilter = {};
  const q = params.get("q")?.trim();
  if (q) filter.search = q;
  const min = parsePoints(params.get("min") ?? "");
  const max = parsePoints(params.get("max") ?? "");
  if (min !== null) filter.minBalance = min;
  if (max !== null) filter.maxBalance = max;
  return (
    <>
      <div className="page-head">
        <h1>Customers</h1>
        {can("MANAGE_CUSTOMERS") && !creating ? (
          <button type="button" onClick={() => setCreating(true)}>
            New customer
          </button>
        ) : null}
      </div>
      {creating ? <NewCustomerForm onClose={() => setCreating(false)} /> : null}
      <SearchForm
        initial={{ q: params.get("q") ?? "", min: params.get("min") ?? "", max: params.get("max") ?? "" }}
        onSearch={(next) => {
          const entries = Object.entries(next).filter(([, v]) => v.trim());
          setParams(new URLSearchParams(entries), { replace: true });
        }}
      />
      {/* A new search starts at its first page. */}
      <Results key={params.toString()} filter={filter} />
    </>
  );
}

type Search = { q: string; min: string; max: string };

function SearchForm({ initial, onSearch }: { initial: Search; onSearch: (s: Search) => void }) {
  const [form, setForm] = useState(initial);
  const [errors, setErrors] = useState<Partial<Search>>({});
  const set = (field: keyof Search) => (e: { target: { value: string } }) =>
    setForm({ ...form, [field]: e.target.value });

  function submit(event: FormEvent) {
    event.preventDefault();
    const found: Partial<Search> = {};
    if (form.min.trim() && parsePoints(form.min) === null) found.min = "A whole number of points.";
    if (form.max.trim() && parsePoints(form.max) === null) found.max = "A whole number of points.";
    setErrors(found);
    if (!Object.keys(found).length) onSearch(form);
  }

  return (
    <form className="card search" role="search" aria-label="Customers" onSubmit={submit}>
      <div className="row">
        <div className="grow">
          <Field
            label="Search"
            type="search"
            value={form.q}
            onChange={set("q")}
            hint="Name, email, phone, card code or the shop's reference"
          />
        </div>
        <Field label="Balance from" inputMode="numeric" value={form.min} onChange={set("min")} error={errors.min} size={8} />
        <Field label="Balance to" inputMode="numeric" value={form.max} onChange={set("max")} error={errors.max} size={8} />
        <div className="field button-field">
          <button type="submit">Search</button>
        </div>
      </div>
    </form>
  );
}

function Results({ filter }: { filter: CustomerFilter }) {
  const cursors = useCursors();
  const [result] = useQuery({
    query: CustomersListDocument,
    variables: { first: PAGE_SIZE, after: cursors.after, filter },
  });
  const found = result.data?.customers;
  if (result.error && !found) return <RequestError error={result.error} />;
  if (!found) return <Loading what="Finding customers" />;
  return (
    <section aria-labelledby="results-heading" className="card">
      <h2 id="results-heading">{filter.search ? `Customers matching “${filter.search}”` : "All customers"}</h2>
      {found.edges.length === 0 ? (
        <p role="status">
          {Object.keys(filter).length ? "No customer matches this search." : "No customer yet."}
        </p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Card</th>
                <th scope="col">Category</th>
                <th scope="col" className="num">Balance</th>
              </tr>
            </thead>
            <tbody>
              {found.edges.map(({ node }) => (
                <tr key={node.id}>
                  <td>
                    <Link to={`/customers/${node.id}`}>{customerName(node)}</Link>
                  </td>
                  <td>{node.email}</td>
                  <td>{node.cardCode}</td>
                  <td>{node.category.name}</td>
                  <td className="num">{formatPoints(node.points.balance)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        label="Customers pages"
        page={cursors.page}
        hasNext={found.pageInfo.hasNextPage}
        onPrevious={cursors.previous}
        onNext={() => cursors.next(found.pageInfo.endCursor)}
      />
    </section>
  );
}
