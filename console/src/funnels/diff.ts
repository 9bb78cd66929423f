// The difference between two versions of a funnel, for people: which steps were added,
// removed or changed (and which of their fields, before and after), and which of the
// funnel's own fields (name, entry, exit, start) changed.
import { STEP_LABELS, type Definition, type Step } from "./definition";

export type FieldChange = { field: string; before: string; after: string };

export type StepChange =
  | { kind: "added"; id: string; label: string; step: Step }
  | { kind: "removed"; id: string; label: string; step: Step }
  | { kind: "changed"; id: string; label: string; fields: FieldChange[] };

export type DefinitionDiff = { funnel: FieldChange[]; steps: StepChange[] };

/** A value as the diff shows it: text as is, anything else as compact JSON. */
export function shown(value: unknown): string {
  if (value === undefined) return "(none)";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function changes(before: Record<string, unknown>, after: Record<string, unknown>, skip: string[]): FieldChange[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !skip.includes(k));
  return keys
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => ({ field: k, before: shown(before[k]), after: shown(after[k]) }));
}

function labelOf(step: Step): string {
  return STEP_LABELS[step.type] ?? String(step.type);
}

export function diffDefinitions(from: Definition, to: Definition): DefinitionDiff {
  const funnel = changes(from as Record<string, unknown>, to as Record<string, unknown>, ["steps"]);
  const before = new Map(from.steps.map((s) => [s.id, s]));
  const after = new Map(to.steps.map((s) => [s.id, s]));
  const steps: StepChange[] = [];
  for (const step of to.steps) {
    const old = before.get(step.id);
    if (!old) {
      steps.push({ kind: "added", id: step.id, label: labelOf(step), step });
      continue;
    }
    const fields = changes(old, step, ["id"]);
    if (fields.length) steps.push({ kind: "changed", id: step.id, label: labelOf(step), fields });
  }
  for (const step of from.steps) {
    if (!after.has(step.id)) steps.push({ kind: "removed", id: step.id, label: labelOf(step), step });
  }
  return { funnel, steps };
}
