// Expiry: how long earned points stay valid, in days or months, or never
// (MANAGE_ENGAGEMENT).
import { useState, type FormEvent } from "react";
import { useQuery } from "urql";
import {
  PointsExpiryDocument,
  UpdatePointsExpiryDocument,
  type PointsExpiryQuery,
  type UpdatePointsExpiryMutation,
} from "../generated/graphql";
import { Field, FormErrors, errorFor } from "../ui/forms";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { plural } from "./describe";
import { Panel, Saved, Settings } from "./fields";
import { Checks } from "./parse";
import { useSave } from "./useSave";

type Expiry = PointsExpiryQuery["pointsExpiry"];
type Unit = "never" | "days" | "months";
const payload = (data: UpdatePointsExpiryMutation) => data.updatePointsExpiry;

function describe(expiry: Expiry): string {
  if (expiry.validityDays) return `${plural(expiry.validityDays, "day")} after they are earned`;
  if (expiry.validityMonths) return `${plural(expiry.validityMonths, "month")} after they are earned`;
  return "Never: points stay valid";
}

export function ExpiryArea() {
  const [{ data, fetching, error }] = useQuery({ query: PointsExpiryDocument });
  if (!data) return fetching ? <Loading /> : <RequestError error={error} />;
  return (
    <>
      <Panel title="In force">
        <Settings items={[["Points expire", describe(data.pointsExpiry)]]} />
      </Panel>
      <ExpiryForm expiry={data.pointsExpiry} />
    </>
  );
}

function ExpiryForm({ expiry }: { expiry: Expiry }) {
  const [unit, setUnit] = useState<Unit>(
    expiry.validityDays ? "days" : expiry.validityMonths ? "months" : "never",
  );
  const [amount, setAmount] = useState(String(expiry.validityDays ?? expiry.validityMonths ?? ""));
  const { errors, requestError, saving, saved, save } = useSave(UpdatePointsExpiryDocument, payload);

  function submit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks();
    const field = unit === "months" ? "validityMonths" : "validityDays";
    const value = unit === "never" ? null : checks.whole(field, amount, `a number of ${unit}`);
    const input = {
      validityDays: unit === "days" ? value : null,
      validityMonths: unit === "months" ? value : null,
    };
    void save({ input }, checks.errors);
  }

  const field = unit === "months" ? "validityMonths" : "validityDays";
  return (
    <Panel
      title="Change the validity"
      description="Points expire at the end of the UTC day they were credited plus the validity. A change applies to points credited afterwards; points already earned keep their date."
    >
      <form onSubmit={submit} noValidate aria-label="Points validity">
        <fieldset className="checks">
          <legend>Earned points</legend>
          {(
            [
              ["never", "Never expire"],
              ["days", "Expire after a number of days"],
              ["months", "Expire after a number of months"],
            ] as [Unit, string][]
          ).map(([value, label]) => (
            <div className="check" key={value}>
              <input
                type="radio"
                id={`expiry-${value}`}
                name="expiry-unit"
                value={value}
                checked={unit === value}
                onChange={() => setUnit(value)}
              />
              <label htmlFor={`expiry-${value}`}>{label}</label>
            </div>
          ))}
        </fieldset>
        {unit === "never" ? null : (
          <div className="form-grid">
            <Field
              label={unit === "days" ? "Days" : "Months"}
              inputMode="numeric"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              error={errorFor(errors, field)}
            />
          </div>
        )}
        <FormErrors errors={errors} fields={unit === "never" ? [] : [field]} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Save validity
          </button>
          <Saved show={saved !== null} />
        </div>
      </form>
    </Panel>
  );
}
