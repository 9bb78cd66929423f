// One part of a translation (subject, body, SMS text...): labelled, with its hint and the
// problem the save or the live preview found in it, line and column first.
import { useId } from "react";

type Props = {
  label: string;
  value: string;
  onChange: (value: string) => void;
  onFocus?: () => void;
  inputRef?: (element: HTMLInputElement | HTMLTextAreaElement | null) => void;
  oneLine?: boolean;
  rows?: number;
  hint?: string;
  error?: string;
  name: string;
};

export function PartField({ label, value, onChange, onFocus, inputRef, oneLine, rows, hint, error, name }: Props) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ") || undefined;
  const common = {
    id,
    name,
    value,
    onFocus,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": describedBy,
    spellCheck: true,
  } as const;
  return (
    <div className="field part-field">
      <label htmlFor={id}>{label}</label>
      {oneLine ? (
        <input {...common} ref={inputRef} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <textarea {...common} ref={inputRef} rows={rows ?? 6} onChange={(e) => onChange(e.target.value)} />
      )}
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
    </div>
  );
}
