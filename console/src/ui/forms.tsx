// Labelled inputs and the errors a mutation returns, shown on the field they name.
import {
  useId,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from "react";

export type UserError = { field?: string | null; code: string; message: string };

function fieldName(error: UserError): string {
  return error.field ?? "";
}

/** The message of the first error naming `field` (or a path under it). */
export function errorFor(errors: readonly UserError[] | undefined, field: string): string | undefined {
  return errors?.find((e) => {
    const name = fieldName(e);
    return name === field || name.startsWith(`${field}.`) || name.endsWith(`.${field}`);
  })?.message;
}

/** The ids tying an input to its hint and error (read by screen readers with it), and the
 * hint and error themselves. */
function useNotes(id: string | undefined, hint: ReactNode, error: string | undefined) {
  const generated = useId();
  const inputId = id ?? generated;
  const hintId = `${inputId}-hint`;
  const errorId = `${inputId}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ");
  const notes = (
    <>
      {hint ? (
        <small id={hintId} className="hint">
          {hint}
        </small>
      ) : null}
      {error ? (
        <small id={errorId} className="error" role="alert">
          {error}
        </small>
      ) : null}
    </>
  );
  return { inputId, describedBy: describedBy || undefined, notes };
}

type FieldProps = InputHTMLAttributes<HTMLInputElement> & {
  label: string;
  error?: string;
  hint?: ReactNode;
};

export function Field({ label, error, hint, id, ...input }: FieldProps) {
  const { inputId, describedBy, notes } = useNotes(id, hint, error);
  return (
    <div className="field">
      <label htmlFor={inputId}>{label}</label>
      <input
        id={inputId}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        {...input}
      />
      {notes}
    </div>
  );
}

type CheckboxProps = Omit<InputHTMLAttributes<HTMLInputElement>, "type"> & {
  label: string;
  hint?: ReactNode;
  error?: string;
};

/** A labelled checkbox, the label after the box. */
export function Checkbox({ label, hint, error, id, ...input }: CheckboxProps) {
  const { inputId, describedBy, notes } = useNotes(id, hint, error);
  return (
    <div className="check">
      <input
        type="checkbox"
        id={inputId}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        {...input}
      />
      <label htmlFor={inputId}>{label}</label>
      {notes}
    </div>
  );
}

type TextAreaProps = TextareaHTMLAttributes<HTMLTextAreaElement> & {
  label: string;
  hint?: ReactNode;
  error?: string;
};

export function TextArea({ label, hint, error, id, ...area }: TextAreaProps) {
  const { inputId, describedBy, notes } = useNotes(id, hint, error);
  return (
    <div className="field">
      <label htmlFor={inputId}>{label}</label>
      <textarea
        id={inputId}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        {...area}
      />
      {notes}
    </div>
  );
}

type SelectProps = SelectHTMLAttributes<HTMLSelectElement> & {
  label: string;
  options: { value: string; label: string }[];
  error?: string;
};

export function Select({ label, options, error, id, ...select }: SelectProps) {
  const generated = useId();
  const selectId = id ?? generated;
  return (
    <div className="field">
      <label htmlFor={selectId}>{label}</label>
      <select id={selectId} aria-invalid={error ? true : undefined} {...select}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {error ? (
        <small className="error" role="alert">
          {error}
        </small>
      ) : null}
    </div>
  );
}

/** Errors that name no field on the form (or every error, when `all`). */
export function FormErrors({
  errors,
  fields = [],
}: {
  errors: readonly UserError[] | undefined;
  fields?: string[];
}) {
  const rest = (errors ?? []).filter((e) => !fields.some((f) => errorFor([e], f)));
  if (!rest.length) return null;
  return (
    <ul className="form-errors" role="alert">
      {rest.map((e, i) => (
        <li key={i}>
          {fieldName(e) ? <strong>{fieldName(e)}: </strong> : null}
          {e.message}
        </li>
      ))}
    </ul>
  );
}
