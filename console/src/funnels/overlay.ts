// Figures drawn on the graph: a dry run's (simulateFunnel) or what the funnel did
// (funnelStatistics), as short lines per node and a count per edge.
import type { FunnelStatisticsQuery, SimulateFunnelQuery } from "../generated/graphql";
import { formatPoints } from "../ui/format";
import { ENTRY, edgeId } from "./graph";

export type Simulation = NonNullable<SimulateFunnelQuery["simulateFunnel"]["simulation"]>;
export type Statistics = NonNullable<FunnelStatisticsQuery["funnelStatistics"]>;

export type Overlay = {
  /** Lines drawn on a node, by node id. */
  nodes: Map<string, string[]>;
  /** A count drawn on an edge, by edge id. */
  edges: Map<string, number>;
};

export const EMPTY_OVERLAY: Overlay = { nodes: new Map(), edges: new Map() };

const n = formatPoints;

function slotOfPath(kind: string, splitPath: number | null): string {
  switch (kind) {
    case "YES":
      return "yes";
    case "NO":
      return "no";
    case "TIMEOUT":
      return "timeout";
    case "SPLIT":
      return `path-${splitPath ?? 0}`;
    default:
      return "next";
  }
}

export function simulationOverlay(simulation: Simulation): Overlay {
  const nodes = new Map<string, string[]>();
  const edges = new Map<string, number>();
  nodes.set(ENTRY, [
    `audience ${n(simulation.audience)}`,
    `entered ${n(simulation.entered)}`,
    ...(simulation.notEntered ? [`not entered ${n(simulation.notEntered)}`] : []),
  ]);
  const firstStep = simulation.steps[0];
  if (firstStep) edges.set(edgeId(ENTRY, "start"), simulation.entered);
  for (const step of simulation.steps) {
    const lines = [`reached ${n(step.reached)}`];
    if (step.points) {
      if (step.points.added) lines.push(`+${n(step.points.added)} points`);
      if (step.points.removed) lines.push(`−${n(step.points.removed)} points`);
      if (step.points.notRemoved) lines.push(`${n(step.points.notRemoved)} not removable`);
    }
    if (step.messages) {
      lines.push(`would send ${n(step.messages.wouldSend)}`);
      const m = step.messages;
      if (m.noConsent) lines.push(`no consent ${n(m.noConsent)}`);
      if (m.noAddress) lines.push(`no address ${n(m.noAddress)}`);
      if (m.renderFailed) lines.push(`render failed ${n(m.renderFailed)}`);
      if (m.capped) lines.push(`capped ${n(m.capped)}`);
    }
    if (step.vouchers) {
      lines.push(`would issue ${n(step.vouchers.wouldIssue)}`);
      if (step.vouchers.short) lines.push(`${n(step.vouchers.short)} short`);
    }
    for (const f of step.failures) lines.push(`failed ${n(f.count)}: ${f.reason}`);
    if (step.failed && !step.failures.length) lines.push(`failed ${n(step.failed)}`);
    for (const s of step.stops) lines.push(`stopped ${n(s.count)}: ${s.reason}`);
    if (step.exited) lines.push(`exited ${n(step.exited)}`);
    if (step.completed) lines.push(`completed ${n(step.completed)}`);
    nodes.set(step.stepId, lines);
    for (const path of step.paths) {
      if (path.nextStepId) edges.set(edgeId(step.stepId, slotOfPath(path.kind, path.splitPath)), path.count);
    }
  }
  return { nodes, edges };
}

function sum(counts: readonly { count: number }[]): number {
  return counts.reduce((total, c) => total + c.count, 0);
}

/** What the funnel did, every version's runs of a step added up; a step of `stepIds` that
 * never ran shows so. */
export function statisticsOverlay(statistics: Statistics, stepIds: readonly string[] = []): Overlay {
  const nodes = new Map<string, string[]>();
  nodes.set(ENTRY, [
    `entered ${n(statistics.entered)}`,
    `inside ${n(statistics.active)}`,
    `completed ${n(statistics.completed)}`,
    ...(statistics.exited ? [`exited ${n(statistics.exited)}`] : []),
    ...(statistics.failed ? [`failed ${n(statistics.failed)}`] : []),
  ]);
  type Total = { runs: number; standing: number; added: number; removed: number; messages: number; vouchers: number };
  const zero = (): Total => ({ runs: 0, standing: 0, added: 0, removed: 0, messages: 0, vouchers: 0 });
  const totals = new Map<string, Total>(stepIds.map((id) => [id, zero()]));
  for (const s of statistics.steps) {
    const t = totals.get(s.stepId) ?? zero();
    t.runs += s.runs;
    t.standing += s.standing;
    t.added += s.pointsAdded;
    t.removed += s.pointsRemoved;
    t.messages += sum(s.messages);
    t.vouchers += s.vouchersIssued;
    totals.set(s.stepId, t);
  }
  for (const [id, t] of totals) {
    const lines = [`ran ${n(t.runs)}`];
    if (t.standing) lines.push(`here now ${n(t.standing)}`);
    if (t.added) lines.push(`+${n(t.added)} points`);
    if (t.removed) lines.push(`−${n(t.removed)} points`);
    if (t.messages) lines.push(`messages ${n(t.messages)}`);
    if (t.vouchers) lines.push(`vouchers ${n(t.vouchers)}`);
    nodes.set(id, lines);
  }
  return { nodes, edges: new Map() };
}
