// Confirm the reversal of a manual movement: what it cancels and why (a note, required),
// then the linked reversal entry is written; the original stays in the ledger.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { ReverseLedgerEntryDocument } from "../generated/graphql";
import { Field, FormErrors, errorFor, type UserError } from "../ui/forms";
import { RequestError } from "../ui/RequestError";
import { formatDate, formatPoints } from "../ui/format";
import type { LedgerRow } from "./LedgerSection";
import { signedPoints } from "./labels";

export function ReverseDialog({
  entry,
  onCancel,
  onDone,
}: {
  entry: LedgerRow;
  onCancel: () => void;
  onDone: (message: string) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  const [note, setNote] = useState("");
  const [noteError, setNoteError] = useState<string | undefined>();
  const [userErrors, setUserErrors] = useState<UserError[]>([]);
  const [state, reverse] = useMutation(ReverseLedgerEntryDocument);

  useEffect(() => {
    const shown = dialog.current;
    if (shown && !shown.open) shown.showModal();
    return () => shown?.close();
  }, []);

  async function confirm(event: FormEvent) {
    event.preventDefault();
    if (!note.trim()) {
      setNoteError("Say why it is reversed: the note is kept in the ledger.");
      return;
    }
    setNoteError(undefined);
    const result = await reverse({ input: { entryId: entry.id, note: note.trim() } });
    const payload = result.data?.reverseLedgerEntry;
    if (!payload) return; // the request failed: shown below
    setUserErrors(payload.userErrors);
    if (payload.userErrors.length || !payload.entry || !payload.points) return;
    onDone(
      `Reversed: ${signedPoints(payload.entry.points)} points written against the movement of ` +
        `${formatDate(entry.createdAt)}. The balance is now ${formatPoints(payload.points.balance)}.`,
    );
  }

  return (
    <dialog
      ref={dialog}
      className="confirm"
      aria-labelledby={headingId}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <form onSubmit={confirm} noValidate>
        <h2 id={headingId}>Reverse this movement?</h2>
        <p>
          <strong>{signedPoints(entry.points)} points</strong> on {formatDate(entry.createdAt)}
          {entry.note ? <> (“{entry.note}”)</> : null}. A reversal of{" "}
          <strong>{signedPoints(-entry.points)} points</strong> is written and linked to it; the
          movement itself stays in the ledger.
        </p>
        <Field
          label="Reason for the reversal"
          value={note}
          onChange={(e) => setNote(e.target.value)}
          required
          autoFocus
          error={noteError ?? errorFor(userErrors, "note")}
        />
        <FormErrors errors={userErrors} fields={["note"]} />
        <RequestError error={state.error} />
        <div className="row">
          <button type="submit" className="danger" disabled={state.fetching}>
            {state.fetching ? "Reversing…" : "Confirm reversal"}
          </button>
          <button type="button" className="secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
