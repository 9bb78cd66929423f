// Promotions: time windows that multiply what purchases earn, on every line or some product
// lines, on every channel or some (MANAGE_ENGAGEMENT).
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
            <PromotionTable promotions={promotions.nodes} />
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
      <CreatePromotionForm onCreated={pages.first} />
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

function PromotionTable({ promotions }: { promotions: Promotion[] }) {
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

function CreatePromotionForm({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const [startsAt, setStartsAt] = useState("");
  const [endsAt, setEndsAt] = useState("");
  const [multiplier, setMultiplier] = useState("2");
  const [lines, setLines] = useState("");
  const [channels, setChannels] = useState<PurchaseChannel[]>([]);
  const [active, setActive] = useState(true);
  const [key, setKey] = useState(newKey);
  const { errors, requestError, saving, saved, save } = useSave(
    CreatePromotionDocument,
    createPayload,
  );

  async function submit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks();
    const starts = checks.time("startsAt", startsAt);
    const ends = checks.time("endsAt", endsAt);
    if (!starts) checks.problem("startsAt", "Enter when it starts.");
    if (!ends) checks.problem("endsAt", "Enter when it ends.");
    const input = {
      name: checks.required("name", name, "a name"),
      startsAt: starts ?? "",
      endsAt: ends ?? "",
      multiplier: checks.multiplier("multiplier", multiplier),
      productLines: parseList(lines),
      channels,
      active,
      idempotencyKey: key,
    };
    if (await save({ input }, checks.errors)) {
      setName("");
      setStartsAt("");
      setEndsAt("");
      setLines("");
      setChannels([]);
      setKey(newKey());
      onCreated();
    }
  }

  return (
    <Panel
      title="Add a promotion"
      description="Purchases made in the window earn the multiplier times the points on the lines it covers (override points too). Where several cover a line, the highest applies; they multiply with the category's multiplier."
    >
      <form onSubmit={submit} noValidate aria-label="Add a promotion">
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
            Add promotion
          </button>
          <Saved show={saved !== null}>
            {saved?.createPromotion.promotion ? `${saved.createPromotion.promotion.name} was added.` : null}
          </Saved>
        </div>
      </form>
    </Panel>
  );
}
