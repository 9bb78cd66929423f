// Saving a new version of an ACTIVE or PAUSED funnel: the customers inside either finish on
// the version they entered, or move onto the new one, each old step mapped to the step where
// the customers waiting there continue (every old step must be mapped).
import { useId } from "react";
import { Select } from "../ui/forms";

export type Migration = Record<string, string> | null;

/** Every old step mapped to the step of the same id, or to nothing when it is gone. */
export function defaultMigration(oldIds: string[], newIds: string[]): Record<string, string> {
  return Object.fromEntries(oldIds.map((id) => [id, newIds.includes(id) ? id : ""]));
}

type Props = {
  oldIds: string[];
  newIds: string[];
  value: Migration;
  onChange: (value: Migration) => void;
  errorFor: (oldId: string) => string | undefined;
};

export function MigrationFields({ oldIds, newIds, value, onChange, errorFor }: Props) {
  const name = useId();
  const mapping = value ?? defaultMigration(oldIds, newIds);
  return (
    <fieldset className="migration card">
      <legend>Customers inside when this version is saved</legend>
      <label className="check">
        <input type="radio" name={name} checked={value === null} onChange={() => onChange(null)} />
        Finish on the version they entered
      </label>
      <label className="check">
        <input
          type="radio"
          name={name}
          checked={value !== null}
          onChange={() => onChange(defaultMigration(oldIds, newIds))}
        />
        Move onto the new version
      </label>
      {value !== null ? (
        <div className="grid">
          {oldIds.map((oldId) => (
            <Select
              key={oldId}
              label={`Waiting at ${oldId}, continue at`}
              value={mapping[oldId] ?? ""}
              error={errorFor(oldId)}
              options={[{ value: "", label: "Choose a step" }, ...newIds.map((id) => ({ value: id, label: id }))]}
              onChange={(e) => onChange({ ...mapping, [oldId]: e.target.value })}
            />
          ))}
        </div>
      ) : null}
    </fieldset>
  );
}
