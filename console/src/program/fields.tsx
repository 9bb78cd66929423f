// Form pieces the program's areas share beyond ui/forms: a group of checkboxes, a card with
// its heading, and the line that says a change was saved.
import { useId, type ReactNode } from "react";
import { Checkbox } from "../ui/forms";

/** A group of checkboxes (channels, categories, badges) under one legend. */
export function CheckboxGroup<T extends string>({
  legend,
  options,
  value,
  onChange,
  hint,
  error,
}: {
  legend: string;
  options: { value: T; label: string }[];
  value: readonly T[];
  onChange: (next: T[]) => void;
  hint?: ReactNode;
  error?: string;
}) {
  const hintId = useId();
  return (
    <fieldset className="checks" aria-describedby={hint ? hintId : undefined}>
      <legend>{legend}</legend>
      {options.length ? null : <p className="hint">None yet.</p>}
      {options.map((option) => (
        <Checkbox
          key={option.value}
          label={option.label}
          checked={value.includes(option.value)}
          onChange={(event) =>
            onChange(
              event.target.checked
                ? [...value, option.value]
                : value.filter((item) => item !== option.value),
            )
          }
        />
      ))}
      {hint ? (
        <small id={hintId} className="hint">
          {hint}
        </small>
      ) : null}
      {error ? (
        <small className="error" role="alert">
          {error}
        </small>
      ) : null}
    </fieldset>
  );
}

/** A card of an area, headed at level 3 (the area's title is level 2). */
export function Panel({
  title,
  children,
  description,
}: {
  title: string;
  children: ReactNode;
  description?: ReactNode;
}) {
  const headingId = useId();
  return (
    <section className="card panel" aria-labelledby={headingId}>
      <h3 id={headingId}>{title}</h3>
      {description ? <p className="hint panel-description">{description}</p> : null}
      {children}
    </section>
  );
}

/** "Saved." after a change went through (announced to screen readers). */
export function Saved({ show, children = "Saved." }: { show: boolean; children?: ReactNode }) {
  return (
    <p className="ok saved" role="status">
      {show ? children : null}
    </p>
  );
}

/** A definition list of the settings in force. */
export function Settings({ items }: { items: [string, ReactNode][] }) {
  return (
    <dl className="settings">
      {items.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
