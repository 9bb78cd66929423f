// A customer's card page, opened from the till: the cards (primary first) with their status;
// block, report lost, take back into use, make primary, replace by a new card (its code typed
// or scanned), issue another card, print a card's barcode, and see the current discounts the
// customer's sales gave. Points, badges and vouchers are the customer's: a replacement moves
// none of them, the new card simply finds them.
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { useMutation, useQuery, type CombinedError } from "urql";
import {
  BlockCardDocument,
  CustomerCardsDocument,
  ReportCardLostDocument,
  SetPrimaryCardDocument,
  UnblockCardDocument,
  type CustomerCardsQuery,
} from "../generated/graphql";
import { cardStatusLabel, cardTypeLabel } from "../ui/cards";
import { Field, FormErrors, type UserError } from "../ui/forms";
import { formatDate } from "../ui/format";
import { RequestError } from "../ui/RequestError";
import { CardPrint } from "./CardPrint";
import { CurrentDiscounts } from "./CurrentDiscounts";
import { IssueCardForm, ReplaceCardForm } from "./CardForms";

export type CardHolder = { id: string; name: string };
type Card = NonNullable<CustomerCardsQuery["customer"]>["cards"][number];
type StatusChange = "block" | "unblock" | "lost" | "primary";

export function CardsPanel({ holder, onClose }: { holder: CardHolder; onClose: () => void }) {
  const [page, refetch] = useQuery({
    query: CustomerCardsDocument,
    variables: { id: holder.id },
    requestPolicy: "network-only",
  });
  const [reason, setReason] = useState("");
  const [replacing, setReplacing] = useState<string | null>(null);
  const [printing, setPrinting] = useState<string | null>(null);
  const [errors, setErrors] = useState<readonly UserError[]>([]);
  const [failure, setFailure] = useState<CombinedError | undefined>();
  const [done, setDone] = useState("");
  const change = useStatusChange();
  // Opened from the customer's "Cards…" button: the keyboard goes to the page itself.
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const reload = () => refetch({ requestPolicy: "network-only" });

  async function act(kind: StatusChange, card: Card) {
    setDone("");
    const outcome = await change(kind, card.code, reason.trim() || null);
    setFailure(outcome.failure);
    setErrors(outcome.errors);
    if (!outcome.failure && !outcome.errors.length) {
      setDone(`Card ${card.code}: ${DONE[kind]}.`);
      setReason("");
      reload();
    }
  }

  function escape(event: KeyboardEvent) {
    if (event.key === "Escape") onClose();
  }

  const cards = page.data?.customer?.cards ?? [];
  const series = page.data?.cardSeries ?? [];
  return (
    <section className="card till-cards" aria-labelledby="till-cards-title" onKeyDown={escape}>
      <div className="no-print">
        <div className="page-head">
          <h2 id="till-cards-title" ref={heading} tabIndex={-1}>
            {holder.name}'s cards
          </h2>
          <button type="button" className="secondary" onClick={onClose}>
            Close
          </button>
        </div>
        {page.error ? <RequestError error={page.error} /> : null}
        <Field
          label="Reason"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          hint="Shown at the till when the card is refused (blocking, reporting lost, replacing)."
          autoComplete="off"
        />
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">{holder.name}'s cards</caption>
            <thead>
              <tr>
                <th scope="col">Code</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {cards.map((card) => (
                <CardRow
                  key={card.id}
                  card={card}
                  onAct={act}
                  onReplace={() => setReplacing(card.code)}
                  onPrint={() => setPrinting(card.code)}
                />
              ))}
            </tbody>
          </table>
        </div>
        {page.fetching && !cards.length ? <p className="hint">Loading the cards…</p> : null}
        <CurrentDiscounts discounts={page.data?.currentDiscounts ?? []} cards={cards} />
        <p aria-live="polite" className="hint">
          {done}
        </p>
        <FormErrors errors={errors} />
        <RequestError error={failure} />
        {replacing ? (
          <ReplaceCardForm
            lostCode={replacing}
            reason={reason}
            onDone={(code) => {
              setReplacing(null);
              setDone(`Card ${replacing} replaced by ${code}.`);
              reload();
            }}
            onCancel={() => setReplacing(null)}
          />
        ) : null}
        <IssueCardForm
          customerId={holder.id}
          series={series.filter((s) => s.active)}
          onDone={(code) => {
            setDone(`Card ${code} issued.`);
            reload();
          }}
        />
      </div>
      {printing ? (
        <CardPrint code={printing} holder={holder.name} onClose={() => setPrinting(null)} />
      ) : null}
    </section>
  );
}

const DONE: Record<StatusChange, string> = {
  block: "blocked",
  unblock: "back in use",
  lost: "reported lost",
  primary: "now the primary card",
};

function CardRow({
  card,
  onAct,
  onReplace,
  onPrint,
}: {
  card: Card;
  onAct: (kind: StatusChange, card: Card) => void;
  onReplace: () => void;
  onPrint: () => void;
}) {
  const live = card.status !== "REPLACED";
  const since = card.statusChangedAt ? ` since ${formatDate(card.statusChangedAt)}` : "";
  return (
    <tr>
      <td>
        <span className="till-code">{card.code}</span>
        {card.isPrimary ? <span className="badge"> primary</span> : null}
      </td>
      <td>{cardTypeLabel(card.type)}</td>
      <td>
        {cardStatusLabel(card.status)}
        {card.status === "ACTIVE" ? "" : since}
        {card.statusReason ? <small className="hint"> ({card.statusReason})</small> : null}
      </td>
      <td className="till-card-actions">
        {card.status === "ACTIVE" ? (
          <button type="button" className="secondary" onClick={() => onAct("block", card)} aria-label={`Block card ${card.code}`}>
            Block
          </button>
        ) : null}
        {card.status === "ACTIVE" || card.status === "BLOCKED" ? (
          <button type="button" className="secondary" onClick={() => onAct("lost", card)} aria-label={`Report lost: card ${card.code}`}>
            Report lost
          </button>
        ) : null}
        {card.status === "BLOCKED" || card.status === "LOST" ? (
          <button type="button" className="secondary" onClick={() => onAct("unblock", card)} aria-label={`Unblock card ${card.code}`}>
            Unblock
          </button>
        ) : null}
        {card.status === "ACTIVE" && !card.isPrimary ? (
          <button type="button" className="secondary" onClick={() => onAct("primary", card)} aria-label={`Make primary: card ${card.code}`}>
            Make primary
          </button>
        ) : null}
        {live ? (
          <button type="button" className="secondary" onClick={onReplace} aria-label={`Replace card ${card.code}`}>
            Replace
          </button>
        ) : null}
        {live ? (
          <button type="button" className="secondary" onClick={onPrint} aria-label={`Print card ${card.code}`}>
            Print
          </button>
        ) : null}
      </td>
    </tr>
  );
}

type Outcome = { errors: readonly UserError[]; failure: CombinedError | undefined };

/** Block, unblock, report lost or make primary: each a mutation with the same payload. */
function useStatusChange() {
  const [, block] = useMutation(BlockCardDocument);
  const [, unblock] = useMutation(UnblockCardDocument);
  const [, lost] = useMutation(ReportCardLostDocument);
  const [, primary] = useMutation(SetPrimaryCardDocument);
  return async (kind: StatusChange, code: string, reason: string | null): Promise<Outcome> => {
    const input = { code, reason };
    const result =
      kind === "block"
        ? await block({ input })
        : kind === "unblock"
          ? await unblock({ input })
          : kind === "lost"
            ? await lost({ input })
            : await primary({ input: { code } });
    const data = result.data;
    if (!data) return { errors: [], failure: result.error };
    const payload =
      "blockCard" in data
        ? data.blockCard
        : "unblockCard" in data
          ? data.unblockCard
          : "reportCardLost" in data
            ? data.reportCardLost
            : data.setPrimaryCard;
    return { errors: payload.userErrors, failure: undefined };
  };
}
