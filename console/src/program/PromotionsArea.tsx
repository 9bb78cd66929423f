// Promotions: time windows that multiply what purchases earn, on every line or some product
// lines, on every channel or some; added, edited, switched on and off (MANAGE_ENGAGEMENT).
import { useState, type FormEvent } from "react";
import { useQuery } from "urql";
import {
  CreatePromotionDocument,
  PromotionsDocument,
  UpdatePromotionDocument,
  type CreatePromotionMutation,
  type PromotionsQuery,
  type PurchaseChannel,
  type UpdatePromotionMutation,
} from "../generated/graphql";
import { Checkbox, errorFor, Field, FormErrors } from "../ui/forms";
import { formatDate } from "../ui/format";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { CheckboxGroup, Panel, Saved } from "./fields";
import { Pager, useCursorPages } from "./Pager";
import { Checks, formatMultiplier, parseList } from "./parse";
import { newKey, useSave } from "./useSave";

type Promotion = PromotionsQuery["promotions"]["nodes"][number];
const PROMOTIONS = { additionalTypenames: ["Promotion"] };
const PAGE = 20;
const CHANNELS: { value: PurchaseChannel; label: string }[] = [
  { value: "POS", label: "Till (POS)" },
  { value: "WEB", label: "Web shop" },
  { value: "INVOICE", label: "Invoice" },
];
const createPayload = (data: CreatePromotionMutation) => data.createPromotion;
const updatePayload = (data: UpdatePromotionMutation) => data.updatePromotion;

export function PromotionsArea() {
  const pages = useCursorPages();
  const [editing, setEditing] = useState<Promotion | null>(null);
  const [{ data, fetching, error }] = useQuery({
    query: PromotionsDocument,
    variables: { first: PAGE, after: pages.after },
    context: PROMOTIONS,
  });
  const promotions = data?.promotions;
  return (
    <>
      <Panel title="Promotions">
        {promotions ? (
          <>
            <PromotionTable promotions={promotions.nodes} onEdit={setEditing} />
            <Pager
              label="Promotion pages"
              page={pages.page}
              hasNext={promotions.pageInfo.hasNextPage}
              onNext={() => pages.next(promotions.pageInfo.endCursor)}
              onPrevious={pages.previous}
            />
          </>
        ) : fetching ? (
          <Loading />
        ) : (
          <RequestError error={error} />
        )}
      </Panel>
      {editing ? (
        <PromotionForm key={editing.id} editing={editing} onDone={() => setEditing(null)} />
      ) : (
        <PromotionForm key="new" editing={null} onDone={pages.first} />
      )}
    </>
  );
}

function when(promotion: Promotion): string {
  const now = Date.now();
  if (!promotion.active) return "Off";
  if (new Date(promotion.endsAt).getTime() <= now) return "Ended";
  if (new Date(promotion.startsAt).getTime() > now) return "Scheduled";
  return "Running";
}

function PromotionTable({
  promotions,
  onEdit,
}: {
  promotions: Promotion[];
  onEdit: (promotion: Promotion) => void;
}) {
  const toggle = useSave(UpdatePromotionDocument, updatePayload);
  if (!promotions.length) return <p className="empty">No promotions yet: add the first below.</p>;
  return (
    <>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Promotion</th>
              <th scope="col">From</th>
              <th scope="col">Until</th>
              <th scope="col" className="num">
                Multiplier
              </th>
              <th scope="col">On</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {promotions.map((promotion) => {
              const status = when(promotion);
              return (
                <tr key={promotion.id}>
                  <td>
                    <strong>{promotion.name}</strong>
                  </td>
                  <td>{formatDate(promotion.startsAt)}</td>
                  <td>{formatDate(promotion.endsAt)}</td>
                  <td className="num">{formatMultiplier(promotion.multiplier)}</td>
                  <td>
                    {promotion.productLines.length ? promotion.productLines.join(", ") : "Every line"}
                    <br />
                    <small className="hint">
                      {promotion.channels.length
                        ? promotion.channels
                            .map((c) => CHANNELS.find((k) => k.value === c)?.label ?? c)
                            .join(", ")
                        : "Every channel"}
                    </small>
                  </td>
                  <td>
                    <span className={status === "Running" ? "status-on" : "status-off"}>{status}</span>
                  </td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => onEdit(promotion)}
                      aria-label={`Edit ${promotion.name}`}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      className="secondary"
                      disabled={toggle.saving}
                      onClick={() =>
                        void toggle.save({ input: { id: promotion.id, active: !promotion.active } })
                      }
                      aria-label={`${promotion.active ? "Switch off" : "Switch on"} ${promotion.name}`}
                    >
                      {promotion.active ? "Switch off" : "Switch on"}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <FormErrors errors={toggle.errors} />
      <RequestError error={toggle.requestError} />
    </>
  );
}

/** A new promotion, or the one being edited (every field can change; Cancel leaves it). */
function PromotionForm({ editing, onDone }: { editing: Promotion | null; onDone: () => void }) {
  const [name, setName] = useState(editing?.name ?? "");
  const [startsAt, setStartsAt] = useState(editing ? localInput(editing.startsAt) : "");
  const [endsAt, setEndsAt] = useState(editing ? localInput(editing.endsAt) : "");
  const [multiplier, setMultiplier] = useState(editing ? String(Number(editing.multiplier)) : "2");
  const [lines, setLines] = useState(editing?.productLines.join(", ") ?? "");
  const [channels, setChannels] = useState<PurchaseChannel[]>(editing ? [...editing.channels] : []);
  const [active, setActive] = useState(editing?.active ?? true);
  const [key, setKey] = useState(newKey);
  const create = useSave(CreatePromotionDocument, createPayload);
  const update = useSave(UpdatePromotionDocument, updatePayload);
  const { errors, requestError, saving } = editing ? update : create;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks();
    const starts = checks.time("startsAt", startsAt);
    const ends = checks.time("endsAt", endsAt);
    if (!starts) checks.problem("startsAt", "Enter when it starts.");
    if (!ends) checks.problem("endsAt", "Enter when it ends.");
    const fields = {
      name: checks.required("name", name, "a name"),
      startsAt: starts ?? "",
      endsAt: ends ?? "",
      multiplier: checks.multiplier("multiplier", multiplier),
      productLines: parseList(lines),
      channels,
      active,
    };
    if (editing) {
      if (await update.save({ input: { id: editing.id, ...fields } }, checks.errors)) onDone();
      return;
    }
    if (await create.save({ input: { ...fields, idempotencyKey: key } }, checks.errors)) {
      setName("");
      setStartsAt("");
      setEndsAt("");
      setLines("");
      setChannels([]);
      setKey(newKey());
      onDone();
    }
  }

  return (
    <Panel
      title={editing ? `Edit ${editing.name}` : "Add a promotion"}
      description="Purchases made in the window earn the multiplier times the points on the lines it covers (override points too). Where several cover a line, the highest applies; they multiply with the category's multiplier."
    >
      <form
        onSubmit={submit}
        noValidate
        aria-label={editing ? `Edit ${editing.name}` : "Add a promotion"}
      >
        <div className="form-grid">
          <Field
            label="Name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={errorFor(errors, "name")}
            autoComplete="off"
          />
          <Field
            label="Starts"
            type="datetime-local"
            value={startsAt}
            onChange={(e) => setStartsAt(e.target.value)}
            error={errorFor(errors, "startsAt")}
            hint="Your local time."
          />
          <Field
            label="Ends"
            type="datetime-local"
            value={endsAt}
            onChange={(e) => setEndsAt(e.target.value)}
            error={errorFor(errors, "endsAt")}
            hint="Exclusive."
          />
          <Field
            label="Multiplier"
            inputMode="decimal"
            value={multiplier}
            onChange={(e) => setMultiplier(e.target.value)}
            error={errorFor(errors, "multiplier")}
            hint="Above 0, at most 100, e.g. 2 for double points."
          />
          <div className="wide">
            <Field
              label="Product lines"
              value={lines}
              onChange={(e) => setLines(e.target.value)}
              error={errorFor(errors, "productLines")}
              hint="Comma-separated, e.g. tea, coffee; empty: every line."
              autoComplete="off"
            />
          </div>
        </div>
        <CheckboxGroup
          legend="Channels"
          options={CHANNELS}
          value={channels}
          onChange={setChannels}
          hint="None ticked: every channel."
          error={errorFor(errors, "channels")}
        />
        <Checkbox label="Active" checked={active} onChange={(e) => setActive(e.target.checked)} />
        <FormErrors
          errors={errors}
          fields={["name", "startsAt", "endsAt", "multiplier", "productLines", "channels"]}
        />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            {editing ? "Save promotion" : "Add promotion"}
          </button>
          {editing ? (
            <button type="button" className="secondary" onClick={onDone}>
              Cancel
            </button>
          ) : (
            <Saved show={create.saved !== null}>
              {create.saved?.createPromotion.promotion
                ? `${create.saved.createPromotion.promotion.name} was added.`
                : null}
            </Saved>
          )}
        </div>
      </form>
    </Panel>
  );
}

/** An ISO time as a datetime-local input shows it (the browser's time zone, to the minute). */
function localInput(iso: string): string {
  const time = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}T${pad(time.getHours())}:${pad(time.getMinutes())}`;
}
