// Badges: held while a customer's points (balance or lifetime earned) lie in a range; a new
// badge re-syncs the customers already in range (MANAGE_ENGAGEMENT).
import { useState, type FormEvent } from "react";
import { useQuery } from "urql";
import {
  BadgesDocument,
  CreateBadgeDocument,
  UpdateBadgeDocument,
  type BadgeBasis,
  type BadgesQuery,
  type CreateBadgeMutation,
  type UpdateBadgeMutation,
} from "../generated/graphql";
import { Checkbox, errorFor, Field, FormErrors, Select, TextArea } from "../ui/forms";
import { formatPoints } from "../ui/format";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { plural } from "./describe";
import { Panel, Saved } from "./fields";
import { Checks } from "./parse";
import { newKey, useSave } from "./useSave";

type Badge = BadgesQuery["badges"][number];
const BADGES = { additionalTypenames: ["Badge"] };
const BASES: { value: BadgeBasis; label: string }[] = [
  { value: "BALANCE", label: "Balance" },
  { value: "LIFETIME", label: "Lifetime earned points" },
];
const createPayload = (data: CreateBadgeMutation) => data.createBadge;
const updatePayload = (data: UpdateBadgeMutation) => data.updateBadge;

export function range(min: number, max: number | null): string {
  return max === null ? `${formatPoints(min)}+ points` : `${formatPoints(min)}–${formatPoints(max)} points`;
}

export function BadgesArea() {
  const [{ data, fetching, error }] = useQuery({
    query: BadgesDocument,
    variables: { activeOnly: false },
    context: BADGES,
  });
  return (
    <>
      <Panel title="Badges">
        {data ? (
          <BadgeTable badges={data.badges} />
        ) : fetching ? (
          <Loading />
        ) : (
          <RequestError error={error} />
        )}
      </Panel>
      <CreateBadgeForm />
    </>
  );
}

function resyncText(badge: Badge): string {
  const resync = badge.resync;
  if (!resync) return "—";
  if (resync.status === "DONE") {
    return `Up to date (${plural(resync.unlockedCount, "unlock")}, ${resync.lostCount} lost)`;
  }
  return `Updating holders: ${formatPoints(resync.customersDone)} of ${formatPoints(resync.customersTotal)}`;
}

function BadgeTable({ badges }: { badges: Badge[] }) {
  const toggle = useSave(UpdateBadgeDocument, updatePayload);
  if (!badges.length) return <p className="empty">No badges yet: add the first below.</p>;
  return (
    <div className="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Badge</th>
            <th scope="col">Counts</th>
            <th scope="col">Range</th>
            <th scope="col">Status</th>
            <th scope="col">Holders</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {badges.map((badge) => (
            <tr key={badge.id}>
              <td>
                <span className="badge-title">
                  {badge.iconUrl ? <img src={badge.iconUrl} alt="" width={20} height={20} /> : null}
                  <strong>{badge.title}</strong>
                </span>
                {badge.description ? (
                  <>
                    <br />
                    <small className="hint">{badge.description}</small>
                  </>
                ) : null}
              </td>
              <td>{BASES.find((b) => b.value === badge.basis)?.label}</td>
              <td>{range(badge.minPoints, badge.maxPoints)}</td>
              <td>
                <span className={badge.active ? "status-on" : "status-off"}>
                  {badge.active ? "Active" : "Retired"}
                </span>
              </td>
              <td>{resyncText(badge)}</td>
              <td className="row-actions">
                <button
                  type="button"
                  className="secondary"
                  disabled={toggle.saving}
                  onClick={() => void toggle.save({ input: { id: badge.id, active: !badge.active } })}
                  aria-label={`${badge.active ? "Retire" : "Reactivate"} ${badge.title}`}
                >
                  {badge.active ? "Retire" : "Reactivate"}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <FormErrors errors={toggle.errors} />
      <RequestError error={toggle.requestError} />
    </div>
  );
}

function CreateBadgeForm() {
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [iconUrl, setIconUrl] = useState("");
  const [basis, setBasis] = useState<BadgeBasis>("BALANCE");
  const [minPoints, setMinPoints] = useState("");
  const [maxPoints, setMaxPoints] = useState("");
  const [active, setActive] = useState(true);
  const [key, setKey] = useState(newKey);
  const { errors, requestError, saving, saved, save } = useSave(CreateBadgeDocument, createPayload);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks();
    const input = {
      title: checks.required("title", title, "a title"),
      description: description.trim() || null,
      iconUrl: iconUrl.trim() || null,
      basis,
      minPoints: checks.whole("minPoints", minPoints, "the lowest points"),
      maxPoints: checks.optionalWhole("maxPoints", maxPoints),
      active,
      idempotencyKey: key,
    };
    if (await save({ input }, checks.errors)) {
      setTitle("");
      setDescription("");
      setIconUrl("");
      setMinPoints("");
      setMaxPoints("");
      setKey(newKey());
    }
  }

  const created = saved?.createBadge;
  return (
    <Panel
      title="Add a badge"
      description="Customers hold it while their points lie in the range, both ends included. Active ranges of one kind of points never overlap."
    >
      <form onSubmit={submit} noValidate aria-label="Add a badge">
        <div className="form-grid">
          <Field
            label="Title"
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            error={errorFor(errors, "title")}
            autoComplete="off"
          />
          <Select
            label="Counts"
            value={basis}
            onChange={(e) => setBasis(e.target.value as BadgeBasis)}
            options={BASES}
            error={errorFor(errors, "basis")}
          />
          <Field
            label="From points"
            inputMode="numeric"
            value={minPoints}
            onChange={(e) => setMinPoints(e.target.value)}
            error={errorFor(errors, "minPoints")}
          />
          <Field
            label="To points"
            inputMode="numeric"
            value={maxPoints}
            onChange={(e) => setMaxPoints(e.target.value)}
            error={errorFor(errors, "maxPoints")}
            hint="Empty: no top."
          />
          <Field
            label="Icon URL"
            type="url"
            value={iconUrl}
            onChange={(e) => setIconUrl(e.target.value)}
            error={errorFor(errors, "iconUrl")}
            hint="Optional; http:// or https://."
          />
          <div className="wide">
            <TextArea
              label="Description"
              rows={2}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
              error={errorFor(errors, "description")}
              hint="Optional; customers see it."
            />
          </div>
        </div>
        <Checkbox label="Active" checked={active} onChange={(e) => setActive(e.target.checked)} />
        <FormErrors
          errors={errors}
          fields={["title", "basis", "minPoints", "maxPoints", "iconUrl", "description"]}
        />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Add badge
          </button>
          <Saved show={Boolean(created?.badge)}>
            {created?.badge
              ? `${created.badge.title} was added; ${plural(created.unlockedCount, "customer")} unlocked it${created.badge.resync?.status === "RUNNING" ? " so far (the rest follow in the background)" : ""}.`
              : null}
          </Saved>
        </div>
      </form>
    </Panel>
  );
}
