// Saved segments: filters kept under a name for funnels, gift schedules and price rules; each
// built with the segment builder and its live count, saved or deleted (a segment in use is
// kept, and the refusal names its users).
import { useState } from "react";
import { useMutation, useQuery } from "urql";
import { DeleteSegmentDocument, SaveSegmentDocument, SegmentsDocument } from "../generated/graphql";
import { Field, FormErrors, errorFor, type UserError } from "../ui/forms";
import { formatDate } from "../ui/format";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { filterSummary, type Filter } from "./definition";
import { SegmentBuilder } from "./SegmentBuilder";

type Editing = { name: string; description: string; filter: Filter | null; isNew: boolean };

export function SegmentsPage() {
  const [result, refetch] = useQuery({ query: SegmentsDocument, variables: { first: 100 } });
  const [editing, setEditing] = useState<Editing | null>(null);
  const segments = result.data?.segments.nodes;
  return (
    <section aria-labelledby="segments-title">
      <div className="page-head">
        <h1 id="segments-title">Segments</h1>
        <button type="button" onClick={() => setEditing({ name: "", description: "", filter: null, isNew: true })}>
          New segment
        </button>
      </div>
      {editing ? (
        <SegmentForm
          key={editing.isNew ? "new" : editing.name}
          editing={editing}
          onDone={() => {
            setEditing(null);
            refetch({ requestPolicy: "network-only" });
          }}
        />
      ) : null}
      <div className="card">
        <RequestError error={result.error} />
        {!segments ? (
          result.fetching ? <Loading what="Loading the segments" /> : null
        ) : segments.length === 0 ? (
          <p>No saved segment yet.</p>
        ) : (
          <div className="table-scroll">
            <table>
              <caption className="sr-only">Saved segments</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Filter</th>
                  <th scope="col">Updated</th>
                  <th scope="col"><span className="sr-only">Edit</span></th>
                </tr>
              </thead>
              <tbody>
                {segments.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <strong>{s.name}</strong>
                      {s.description ? <div className="muted">{s.description}</div> : null}
                    </td>
                    <td><code>{filterSummary(s.filter)}</code></td>
                    <td>{formatDate(s.updatedAt)} <span className="muted">by {s.updatedBy}</span></td>
                    <td>
                      <button
                        type="button"
                        className="secondary small"
                        onClick={() =>
                          setEditing({ name: s.name, description: s.description ?? "", filter: s.filter as Filter, isNew: false })
                        }
                      >
                        Edit {s.name}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </section>
  );
}

function SegmentForm({ editing, onDone }: { editing: Editing; onDone: () => void }) {
  const [name, setName] = useState(editing.name);
  const [description, setDescription] = useState(editing.description);
  const [filter, setFilter] = useState<Filter | null>(editing.filter);
  const [errors, setErrors] = useState<readonly UserError[]>([]);
  const [saving, save] = useMutation(SaveSegmentDocument);
  const [deleting, remove] = useMutation(DeleteSegmentDocument);
  const onSave = async () => {
    const answer = await save({ input: { name, description: description || null, filter: filter ?? {} } });
    const payload = answer.data?.saveSegment;
    if (!payload) return;
    setErrors(payload.userErrors);
    if (!payload.userErrors.length) onDone();
  };
  const onDelete = async () => {
    const answer = await remove({ input: { name: editing.name } });
    const payload = answer.data?.deleteSegment;
    if (!payload) return;
    setErrors(payload.userErrors);
    if (!payload.userErrors.length) onDone();
  };
  return (
    <form
      className="card"
      aria-labelledby="segment-form-title"
      onSubmit={(e) => {
        e.preventDefault();
        void onSave();
      }}
    >
      <h2 id="segment-form-title">{editing.isNew ? "New segment" : `Segment ${editing.name}`}</h2>
      <div className="row">
        <Field label="Name" value={name} readOnly={!editing.isNew} error={errorFor(errors, "name")} onChange={(e) => setName(e.target.value)} />
        <Field label="Description" value={description} error={errorFor(errors, "description")} onChange={(e) => setDescription(e.target.value)} />
      </div>
      <SegmentBuilder label="Customers in the segment" required filter={filter} error={errorFor(errors, "filter")} onChange={setFilter} />
      <FormErrors errors={errors} fields={["name", "description", "filter"]} />
      <RequestError error={saving.error ?? deleting.error} />
      <div className="row">
        <button type="submit" disabled={saving.fetching}>
          {saving.fetching ? "Saving…" : "Save segment"}
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
        {!editing.isNew ? (
          <button type="button" className="danger" onClick={onDelete} disabled={deleting.fetching}>
            Delete segment
          </button>
        ) : null}
      </div>
    </form>
  );
}
