// A manual adjustment (ADJUST_POINTS): the points and a required note; the balance it would
// leave (or the server's refusal) is previewed as the points are typed, and saving sends the
// submission's idempotency key, kept for a retry of the same values.
import { useRef, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { AdjustPointsDocument, PreviewAdjustmentDocument } from "../generated/graphql";
import { Field, FormErrors, errorFor, type UserError } from "../ui/forms";
import { RequestError } from "../ui/RequestError";
import { formatPoints } from "../ui/format";
import { adjustmentErrors, parsePoints } from "./forms";
import { signedPoints } from "./labels";
import { keyFor, type SubmissionKey } from "./submissionKey";
import { useDebounced } from "./useDebounced";

export function AdjustPoints({ customerId, onSaved }: { customerId: string; onSaved: () => void }) {
  const [points, setPoints] = useState("");
  const [note, setNote] = useState("");
  const [checked, setChecked] = useState(false);
  const [userErrors, setUserErrors] = useState<UserError[]>([]);
  const [saved, setSaved] = useState<string | null>(null);
  const [early, setEarly] = useState(false);
  const [saving, adjust] = useMutation(AdjustPointsDocument);
  const key = useRef<SubmissionKey | null>(null);

  const value = parsePoints(points);
  const wanted = useDebounced(value, 250);
  const [preview] = useQuery({
    query: PreviewAdjustmentDocument,
    variables: { customerId, points: wanted ?? 0 },
    pause: !wanted,
    requestPolicy: "network-only",
  });
  // Only a preview of the points now in the field counts.
  const shown =
    value && preview.operation?.variables.points === value ? preview.data?.previewAdjustment : undefined;
  const errors = checked ? adjustmentErrors(points, note) : {};

  async function submit(event: FormEvent) {
    event.preventDefault();
    setChecked(true);
    setSaved(null);
    setEarly(false);
    if (Object.keys(adjustmentErrors(points, note)).length || value === null) return;
    if (!shown) return setEarly(true); // saved only once the balance it leaves is shown
    if (!shown.allowed) return; // the preview says why
    const values = { customerId, points: value, note: note.trim() };
    key.current = keyFor(key.current, values);
    const result = await adjust({ input: { ...values, idempotencyKey: key.current.key } });
    const payload = result.data?.adjustPoints;
    if (!payload) return; // the request failed: shown below, and a retry sends the same key
    setUserErrors(payload.userErrors);
    if (payload.userErrors.length || !payload.entry || !payload.points) return;
    key.current = null;
    setSaved(
      `Saved: ${signedPoints(payload.entry.points)} points. The balance is now ${formatPoints(payload.points.balance)}.`,
    );
    setPoints("");
    setNote("");
    setChecked(false);
    onSaved();
  }

  return (
    <section className="card" aria-labelledby="adjust-heading">
      <h2 id="adjust-heading">Adjust points</h2>
      <form onSubmit={submit} noValidate>
        <Field
          label="Points"
          inputMode="numeric"
          value={points}
          onChange={(e) => {
            setPoints(e.target.value);
            setSaved(null);
          }}
          hint="Positive to credit, negative (e.g. -20) to debit."
          error={errors.points ?? errorFor(userErrors, "points")}
        />
        <Field
          label="Note"
          value={note}
          onChange={(e) => setNote(e.target.value)}
          hint="Why: kept in the ledger with the movement."
          required
          error={errors.note ?? errorFor(userErrors, "note")}
        />
        <div className="preview" aria-live="polite" aria-labelledby="preview-heading">
          <h3 id="preview-heading">Preview</h3>
          {!value ? (
            <p className="hint">Type the points to see the balance they leave.</p>
          ) : preview.error && !shown ? (
            <RequestError error={preview.error} />
          ) : !shown ? (
            <p className="hint">Working out the balance…</p>
          ) : (
            <>
              <p className="balance-change">
                Balance <strong>{formatPoints(shown.currentBalance)}</strong>
                <span aria-hidden="true"> → </span>
                <span className="visually-hidden"> would become </span>
                <strong data-testid="projected-balance">{formatPoints(shown.projectedBalance)}</strong>
              </p>
              {shown.allowed ? null : (
                <ul className="form-errors" role="alert">
                  {shown.problems.map((p, i) => (
                    <li key={i}>{p.message}</li>
                  ))}
                </ul>
              )}
            </>
          )}
        </div>
        {early && !shown ? (
          <p className="error" role="alert">
            Save again once the preview shows the balance.
          </p>
        ) : null}
        <FormErrors errors={userErrors} fields={["points", "note"]} />
        <RequestError error={saving.error} />
        <div className="row">
          <button type="submit" disabled={saving.fetching || (shown ? !shown.allowed : false)}>
            {saving.fetching ? "Saving…" : "Save adjustment"}
          </button>
        </div>
        {saved ? (
          <p className="ok" role="status">
            {saved}
          </p>
        ) : null}
      </form>
    </section>
  );
}
