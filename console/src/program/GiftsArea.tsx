// Gift schedules: a named gift of points to every matching customer at each fire time of a
// cron (UTC), each period paid once (MANAGE_ENGAGEMENT).
import { useState, type FormEvent } from "react";
import { useQuery } from "urql";
import {
  CreateGiftScheduleDocument,
  GiftSchedulesDocument,
  PointCategoriesDocument,
  UpdateGiftScheduleDocument,
  type CreateGiftScheduleMutation,
  type GiftSchedulesQuery,
  type UpdateGiftScheduleMutation,
} from "../generated/graphql";
import { Checkbox, errorFor, Field, FormErrors } from "../ui/forms";
import { formatDate, formatPoints } from "../ui/format";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { plural } from "./describe";
import { CheckboxGroup, Panel, Saved } from "./fields";
import { Pager, useCursorPages } from "./Pager";
import { Checks } from "./parse";
import { newKey, useSave } from "./useSave";

type Schedule = GiftSchedulesQuery["giftSchedules"]["nodes"][number];
type Named = { id: string; name: string };
const SCHEDULES = { additionalTypenames: ["GiftSchedule"] };
const PAGE = 20;
const createPayload = (data: CreateGiftScheduleMutation) => data.createGiftSchedule;
const updatePayload = (data: UpdateGiftScheduleMutation) => data.updateGiftSchedule;

export function GiftsArea() {
  const pages = useCursorPages();
  const [schedules] = useQuery({
    query: GiftSchedulesDocument,
    variables: { first: PAGE, after: pages.after, runs: 1 },
    context: SCHEDULES,
  });
  const [categories] = useQuery({ query: PointCategoriesDocument });
  const categoryList: Named[] = categories.data?.pointCategories ?? [];
  const page = schedules.data?.giftSchedules;
  return (
    <>
      <Panel title="Schedules">
        {page ? (
          <>
            <ScheduleTable schedules={page.nodes} categories={categoryList} />
            <Pager
              label="Schedule pages"
              page={pages.page}
              hasNext={page.pageInfo.hasNextPage}
              onNext={() => pages.next(page.pageInfo.endCursor)}
              onPrevious={pages.previous}
            />
          </>
        ) : schedules.fetching ? (
          <Loading />
        ) : (
          <RequestError error={schedules.error} />
        )}
      </Panel>
      <CreateScheduleForm categories={categoryList} onCreated={pages.first} />
    </>
  );
}

function filterText(schedule: Schedule, categories: Named[]): string {
  const parts: string[] = [];
  const { categoryIds, minBalance, maxBalance } = schedule.filter;
  if (categoryIds?.length) {
    parts.push(categoryIds.map((id) => categories.find((c) => c.id === id)?.name ?? `#${id}`).join(" or "));
  }
  if (minBalance !== null && maxBalance !== null) {
    parts.push(`${formatPoints(minBalance)}–${formatPoints(maxBalance)} points`);
  } else if (minBalance !== null) {
    parts.push(`at least ${formatPoints(minBalance)} points`);
  } else if (maxBalance !== null) {
    parts.push(`at most ${formatPoints(maxBalance)} points`);
  }
  return parts.length ? parts.join(", ") : "Every customer";
}

function ScheduleTable({ schedules, categories }: { schedules: Schedule[]; categories: Named[] }) {
  const toggle = useSave(UpdateGiftScheduleDocument, updatePayload);
  if (!schedules.length) return <p className="empty">No gift schedules yet: add the first below.</p>;
  return (
    <>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Gift</th>
              <th scope="col" className="num">
                Points
              </th>
              <th scope="col">To</th>
              <th scope="col">Schedule</th>
              <th scope="col">Last run</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {schedules.map((schedule) => {
              const last = schedule.recentRuns[0];
              return (
                <tr key={schedule.id}>
                  <td>
                    <strong>{schedule.name}</strong>
                    <br />
                    <small className="hint">“{schedule.description}”</small>
                  </td>
                  <td className="num">{formatPoints(schedule.points)}</td>
                  <td>{filterText(schedule, categories)}</td>
                  <td>
                    <code>{schedule.cron}</code> <small className="hint">(cron, UTC)</small>
                    <br />
                    <small className={schedule.active ? "hint" : "status-off"}>
                      {schedule.active
                        ? `Next: ${formatDate(schedule.nextRunAt)}`
                        : "Paused"}
                    </small>
                  </td>
                  <td>
                    {last
                      ? `${formatDate(last.period)}: ${plural(last.customersCredited, "customer")}, ${formatPoints(last.pointsCredited)} points${last.customersSkipped ? ` (${last.customersSkipped} skipped)` : ""}`
                      : "Not run yet"}
                  </td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="secondary"
                      disabled={toggle.saving}
                      onClick={() =>
                        void toggle.save({ input: { id: schedule.id, active: !schedule.active } })
                      }
                      aria-label={`${schedule.active ? "Pause" : "Resume"} ${schedule.name}`}
                    >
                      {schedule.active ? "Pause" : "Resume"}
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

function CreateScheduleForm({
  categories,
  onCreated,
}: {
  categories: Named[];
  onCreated: () => void;
}) {
  const [name, setName] = useState("");
  const [cron, setCron] = useState("0 9 1 * *");
  const [points, setPoints] = useState("");
  const [description, setDescription] = useState("");
  const [categoryIds, setCategoryIds] = useState<string[]>([]);
  const [minBalance, setMinBalance] = useState("");
  const [maxBalance, setMaxBalance] = useState("");
  const [active, setActive] = useState(true);
  const [key, setKey] = useState(newKey);
  const { errors, requestError, saving, saved, save } = useSave(
    CreateGiftScheduleDocument,
    createPayload,
  );

  async function submit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks();
    const filter = {
      categoryIds: categoryIds.length ? categoryIds : null,
      minBalance: checks.optionalWhole("filter.minBalance", minBalance),
      maxBalance: checks.optionalWhole("filter.maxBalance", maxBalance),
    };
    const input = {
      name: checks.required("name", name, "a name"),
      cron: checks.required("cron", cron, "a schedule"),
      points: checks.whole("points", points, "the points"),
      description: checks.required("description", description, "the note customers see"),
      filter,
      active,
      idempotencyKey: key,
    };
    if (await save({ input }, checks.errors)) {
      setName("");
      setPoints("");
      setDescription("");
      setCategoryIds([]);
      setMinBalance("");
      setMaxBalance("");
      setKey(newKey());
      onCreated();
    }
  }

  const fields = [
    "name",
    "cron",
    "points",
    "description",
    "filter.categoryIds",
    "filter.minBalance",
    "filter.maxBalance",
  ];
  return (
    <Panel
      title="Add a gift schedule"
      description="Every matching customer gets the points once per fire time. Missed periods are not replayed; a customer the gift would take over the ceiling is skipped."
    >
      <form onSubmit={submit} noValidate aria-label="Add a gift schedule">
        <div className="form-grid">
          <Field
            label="Name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={errorFor(errors, "name")}
            autoComplete="off"
          />
          <Field
            label="Schedule (cron, UTC)"
            value={cron}
            onChange={(e) => setCron(e.target.value)}
            error={errorFor(errors, "cron")}
            hint="minute hour day month weekday: 0 9 1 * * is the 1st of each month at 09:00."
            autoComplete="off"
            spellCheck={false}
          />
          <Field
            label="Points"
            inputMode="numeric"
            value={points}
            onChange={(e) => setPoints(e.target.value)}
            error={errorFor(errors, "points")}
          />
          <Field
            label="Note customers see"
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            error={errorFor(errors, "description")}
            hint="In their history, e.g. Thank you for being with us."
          />
          <Field
            label="Minimum balance"
            inputMode="numeric"
            value={minBalance}
            onChange={(e) => setMinBalance(e.target.value)}
            error={errorFor(errors, "filter.minBalance")}
            hint="Optional, inclusive."
          />
          <Field
            label="Maximum balance"
            inputMode="numeric"
            value={maxBalance}
            onChange={(e) => setMaxBalance(e.target.value)}
            error={errorFor(errors, "filter.maxBalance")}
            hint="Optional, inclusive."
          />
        </div>
        <CheckboxGroup
          legend="Only customers in these categories"
          options={categories.map((c) => ({ value: c.id, label: c.name }))}
          value={categoryIds}
          onChange={setCategoryIds}
          hint="None ticked: every category."
          error={errorFor(errors, "filter.categoryIds")}
        />
        <Checkbox label="Active" checked={active} onChange={(e) => setActive(e.target.checked)} />
        <FormErrors errors={errors} fields={fields} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Add gift schedule
          </button>
          <Saved show={saved !== null}>
            {saved?.createGiftSchedule.schedule
              ? `${saved.createGiftSchedule.schedule.name} was added; it pays next ${formatDate(saved.createGiftSchedule.schedule.nextRunAt)}.`
              : null}
          </Saved>
        </div>
      </form>
    </Panel>
  );
}
