// Actions that earn: fixed points for registering, signing up to the newsletter and
// writing reviews (MANAGE_ENGAGEMENT).
import { useState, type FormEvent } from "react";
import { useQuery } from "urql";
import {
  EarningActionsDocument,
  UpdateEarningActionsDocument,
  type CustomerAction,
  type EarningActionsQuery,
  type UpdateEarningActionsMutation,
} from "../generated/graphql";
import { FormErrors, errorFor } from "../ui/forms";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { Panel, Saved } from "./fields";
import { Checks } from "./parse";
import { useSave } from "./useSave";

type Configured = EarningActionsQuery["earningActions"];
type Row = {
  action: CustomerAction;
  points: string;
  oncePerCustomer: boolean;
  active: boolean;
  /** Configured on the server: sent on every save (others only once given points). */
  configured: boolean;
};
const ACTIONS: { action: CustomerAction; label: string; hint: string }[] = [
  { action: "REGISTRATION", label: "Registration", hint: "Credited when the customer is created; once." },
  { action: "NEWSLETTER", label: "Newsletter sign-up", hint: "Recorded by the shop." },
  { action: "REVIEW", label: "Product review", hint: "Recorded by the shop, per review." },
];
const payload = (data: UpdateEarningActionsMutation) => data.updateEarningActions;

/** actions.<position sent>.points as actions.<row shown>.points. */
export function rowField(field: string | null | undefined, sentRows: number[]): string | null {
  const found = /^actions\.(\d+)(\..*)?$/.exec(field ?? "");
  if (!found) return field ?? null;
  const row = sentRows[Number(found[1])];
  return row === undefined ? (field ?? null) : `actions.${row}${found[2] ?? ""}`;
}

export function ActionsArea() {
  const [{ data, fetching, error }] = useQuery({ query: EarningActionsDocument });
  if (!data) return fetching ? <Loading /> : <RequestError error={error} />;
  return <ActionsForm configured={data.earningActions} />;
}

function ActionsForm({ configured }: { configured: Configured }) {
  const [rows, setRows] = useState<Row[]>(() =>
    ACTIONS.map(({ action }) => {
      const found = configured.find((c) => c.action === action);
      return {
        action,
        points: found ? String(found.points) : "",
        oncePerCustomer: found ? found.oncePerCustomer : action !== "REVIEW",
        active: found ? found.active : false,
        configured: Boolean(found),
      };
    }),
  );
  // The rows of the latest save, in the order sent: userErrors name actions.<position>.
  const [sentRows, setSentRows] = useState<number[]>([]);
  const save = useSave(UpdateEarningActionsDocument, payload);
  const { requestError, saving, saved } = save;
  const errors = save.errors.map((e) => ({ ...e, field: rowField(e.field, sentRows) }));

  function change(index: number, patch: Partial<Row>) {
    setRows(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    // An action never configured and left without points stays unconfigured: it earns
    // nothing (the API takes only actions worth at least a point).
    const sent = rows.flatMap((row, i) =>
      row.configured || row.active || row.points.trim() ? [i] : [],
    );
    const checks = new Checks();
    const actions = sent.map((i, position) => ({
      action: rows[i].action,
      points: checks.whole(`actions.${position}.points`, rows[i].points, "the points"),
      oncePerCustomer: rows[i].action === "REGISTRATION" ? true : rows[i].oncePerCustomer,
      active: rows[i].active,
    }));
    setSentRows(sent);
    if (await save.save({ input: { actions } }, checks.errors)) {
      setRows(rows.map((row, i) => (sent.includes(i) ? { ...row, configured: true } : row)));
    }
  }

  const fields = rows.flatMap((_, i) => [`actions.${i}.points`, `actions.${i}.oncePerCustomer`, `actions.${i}.active`]);
  return (
    <Panel
      title="Points per action"
      description="An action that is off, or has no points, earns nothing. Once per customer: a repeat earns nothing; otherwise once per reference (each review)."
    >
      <form onSubmit={submit} noValidate aria-label="Actions that earn">
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Action</th>
                <th scope="col">Points</th>
                <th scope="col">Once per customer</th>
                <th scope="col">Earns</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => {
                const meta = ACTIONS[i];
                const pointsError = errorFor(errors, `actions.${i}.points`);
                return (
                  <tr key={row.action}>
                    <th scope="row">
                      {meta.label}
                      <br />
                      <small className="hint">{meta.hint}</small>
                    </th>
                    <td>
                      <input
                        className="points-input"
                        inputMode="numeric"
                        aria-label={`Points for ${meta.label.toLowerCase()}`}
                        aria-invalid={pointsError ? true : undefined}
                        aria-describedby={pointsError ? `action-${i}-error` : undefined}
                        value={row.points}
                        onChange={(e) => change(i, { points: e.target.value })}
                      />
                      {pointsError ? (
                        <small id={`action-${i}-error`} className="error" role="alert">
                          <br />
                          {pointsError}
                        </small>
                      ) : null}
                    </td>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`${meta.label}: once per customer`}
                        checked={row.action === "REGISTRATION" ? true : row.oncePerCustomer}
                        disabled={row.action === "REGISTRATION"}
                        onChange={(e) => change(i, { oncePerCustomer: e.target.checked })}
                      />
                    </td>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`${meta.label} earns points`}
                        checked={row.active}
                        onChange={(e) => change(i, { active: e.target.checked })}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <FormErrors errors={errors} fields={fields} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Save actions
          </button>
          <Saved show={saved !== null} />
        </div>
      </form>
    </Panel>
  );
}
