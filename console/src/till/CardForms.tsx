// The card page's two forms: replace a card by a new one (its code typed or scanned, or the
// series' next), and issue another card to the customer.
import { useState, type FormEvent } from "react";
import { useMutation, type CombinedError } from "urql";
import { IssueCardDocument, ReplaceCardDocument } from "../generated/graphql";
import { cardTypeLabel } from "../ui/cards";
import { errorFor, Field, FormErrors, Select, type UserError } from "../ui/forms";
import { RequestError } from "../ui/RequestError";
import { useTill } from "./context";

export function ReplaceCardForm({
  lostCode,
  reason,
  onDone,
  onCancel,
}: {
  lostCode: string;
  reason: string;
  onDone: (newCode: string) => void;
  onCancel: () => void;
}) {
  const { keys } = useTill();
  const [newCode, setNewCode] = useState("");
  const [errors, setErrors] = useState<readonly UserError[]>([]);
  const [failure, setFailure] = useState<CombinedError | undefined>();
  const [state, replace] = useMutation(ReplaceCardDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (state.fetching) return;
    const request = { lostCode, newCode: newCode.trim() || null, reason: reason.trim() || null };
    const result = await replace({
      input: { ...request, idempotencyKey: keys.keyFor("replaceCard", request) },
    });
    if (!result.data) {
      // It may have been done: the same key on the retry returns the same new card.
      setFailure(result.error);
      return;
    }
    keys.settled("replaceCard");
    setFailure(undefined);
    const payload = result.data.replaceCard;
    if (payload.userErrors.length || !payload.card) {
      setErrors(payload.userErrors);
      return;
    }
    onDone(payload.card.code);
  }

  return (
    <form onSubmit={submit} aria-label={`Replace card ${lostCode}`} noValidate className="till-card-form">
      <Field
        label={`New card for ${lostCode}`}
        value={newCode}
        onChange={(e) => setNewCode(e.target.value)}
        autoComplete="off"
        spellCheck={false}
        autoFocus
        hint="Scan or type the new card's code; leave empty for the series' next code."
        error={errorFor(errors, "newCode")}
      />
      <button type="submit">{state.fetching ? "Replacing…" : "Replace"}</button>
      <button type="button" className="secondary" onClick={onCancel}>
        Cancel
      </button>
      <FormErrors errors={errors} fields={["newCode"]} />
      <RequestError error={failure} />
    </form>
  );
}

type Series = { id: string; name: string; type: string };

export function IssueCardForm({
  customerId,
  series,
  onDone,
}: {
  customerId: string;
  series: Series[];
  onDone: (code: string) => void;
}) {
  const { keys } = useTill();
  const [seriesId, setSeriesId] = useState("");
  const [code, setCode] = useState("");
  const [errors, setErrors] = useState<readonly UserError[]>([]);
  const [failure, setFailure] = useState<CombinedError | undefined>();
  const [state, issue] = useMutation(IssueCardDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (state.fetching) return;
    const request = { customerId, seriesId: seriesId || null, code: code.trim() || null };
    const result = await issue({
      input: { ...request, idempotencyKey: keys.keyFor("issueCard", request) },
    });
    if (!result.data) {
      setFailure(result.error);
      return;
    }
    keys.settled("issueCard");
    setFailure(undefined);
    const payload = result.data.issueCard;
    if (payload.userErrors.length || !payload.card) {
      setErrors(payload.userErrors);
      return;
    }
    setErrors([]);
    setCode("");
    onDone(payload.card.code);
  }

  return (
    <form onSubmit={submit} aria-label="Issue a new card" noValidate className="till-card-form">
      <h3>Issue a new card</h3>
      <Select
        label="Series"
        value={seriesId}
        onChange={(e) => setSeriesId(e.target.value)}
        error={errorFor(errors, "seriesId")}
        options={[
          { value: "", label: "The loyalty card (default points series)" },
          ...series.map((s) => ({ value: s.id, label: `${s.name} (${cardTypeLabel(s.type)})` })),
        ]}
      />
      <Field
        label="Code"
        value={code}
        onChange={(e) => setCode(e.target.value)}
        autoComplete="off"
        spellCheck={false}
        hint="Scan or type the card's code; leave empty for the series' next code."
        error={errorFor(errors, "code")}
      />
      <button type="submit">{state.fetching ? "Issuing…" : "Issue"}</button>
      <FormErrors errors={errors} fields={["code", "seriesId"]} />
      <RequestError error={failure} />
    </form>
  );
}
