// The problems validateFunnel (and saveFunnel, simulateFunnel) report name a path in the
// definition sent ("steps[2].points", "entry.trigger.schedule.cron", "start"): each is put on
// the node at fault (a step, or the entry node for the funnel's own fields), with the rest of
// its path kept for the field of the side panel.
import type { UserError } from "../ui/forms";
import type { Definition } from "./definition";
import { ENTRY } from "./graph";

export type Problem = UserError & {
  /** The node at fault (a step id, or ENTRY), or null for a problem of no node. */
  node: string | null;
  /** The path below the node: "points", "paths", "filter.all[0].balance.gte", "" for the step. */
  local: string;
};

const STEP = /^steps\[(\d+)\](?:\.(.*))?$/;
const ENTRY_FIELDS = /^(name|description|entry|exit|start)(?:[.[]|$)/;

export function locate(errors: readonly UserError[], sent: Definition): Problem[] {
  return errors.map((error) => {
    const field = error.field ?? "";
    const step = STEP.exec(field);
    if (step) {
      const id = sent.steps[Number(step[1])]?.id;
      return { ...error, node: id ?? null, local: step[2] ?? "" };
    }
    if (ENTRY_FIELDS.test(field)) return { ...error, node: ENTRY, local: field };
    return { ...error, node: null, local: field };
  });
}

/** The problems of one node, by node id. */
export function byNode(problems: readonly Problem[]): Map<string, Problem[]> {
  const map = new Map<string, Problem[]>();
  for (const p of problems) if (p.node) map.set(p.node, [...(map.get(p.node) ?? []), p]);
  return map;
}

/** The message for a field of the panel: its own path, or a path below it. */
export function problemAt(problems: readonly Problem[] | undefined, local: string): string | undefined {
  return problems?.find(
    (p) => p.local === local || p.local.startsWith(`${local}.`) || p.local.startsWith(`${local}[`),
  )?.message;
}
