// Definition ⇄ graph, pure: the builder draws a definition as nodes (an entry node, then one
// node a step) and edges (one a link: next, yes/no, a split's paths, a wait's timeout, the
// entry's start), lets the marketer edit the graph, and turns it back into the definition it
// sends. The links live on the edges only; a link naming no step stays on its step, so the
// server still reports it.
import type { Edge, Node, XYPosition } from "@xyflow/react";
import { freshId, newStep, type Definition, type Meta, type Step, type StepType } from "./definition";

export const ENTRY = "__entry";

export type StepNodeData = { step: Step };
export type EntryNodeData = { start?: string };
export type StepNode = Node<StepNodeData, "step">;
export type EntryNode = Node<EntryNodeData, "entry">;
export type FlowNode = StepNode | EntryNode;
export type FlowEdge = Edge<{ slot: string }>;
export type Graph = { nodes: FlowNode[]; edges: FlowEdge[] };

export type Slot = { id: string; label: string };

/** The handles a step's node leaves from: one per link it may have. */
export function slotsOf(step: Step): Slot[] {
  switch (step.type) {
    case "exit":
      return [];
    case "branch":
      return [
        { id: "yes", label: "yes" },
        { id: "no", label: "no" },
      ];
    case "randomSplit":
      return (step.paths ?? []).map((path, i) => ({
        id: `path-${i}`,
        label: `${path.percent}%${path.holdout ? " holdout" : ""}`,
      }));
    case "wait":
      return step.untilEvent !== undefined
        ? [
            { id: "next", label: "event" },
            { id: "timeout", label: "timeout" },
          ]
        : [{ id: "next", label: "next" }];
    default:
      return [{ id: "next", label: "next" }];
  }
}

const LINK_FIELD: Record<string, "next" | "yes" | "no" | "timeoutNext"> = {
  next: "next",
  yes: "yes",
  no: "no",
  timeout: "timeoutNext",
};

/** The step a slot of this step names (undefined when none). */
export function linkOf(step: Step, slot: string): string | undefined {
  if (slot.startsWith("path-")) return step.paths?.[Number(slot.slice(5))]?.next;
  const field = LINK_FIELD[slot];
  return field ? step[field] : undefined;
}

function withLink(step: Step, slot: string, target: string | undefined): Step {
  if (slot.startsWith("path-")) {
    const index = Number(slot.slice(5));
    const paths = (step.paths ?? []).map((path, i) => {
      if (i !== index) return path;
      const { next: _next, ...rest } = path;
      return target === undefined ? rest : { ...rest, next: target };
    });
    return { ...step, paths };
  }
  const field = LINK_FIELD[slot];
  if (!field) return step;
  const { [field]: _old, ...rest } = step;
  return (target === undefined ? rest : { ...rest, [field]: target }) as Step;
}

export function edgeId(source: string, slot: string): string {
  return `${source}:${slot}`;
}

function edge(source: string, slot: string, target: string, label: string): FlowEdge {
  return {
    id: edgeId(source, slot),
    source,
    sourceHandle: slot,
    target,
    targetHandle: "in",
    label,
    data: { slot },
  };
}

/** Where each step sits: rows by distance from the start, unreachable steps last. */
export function layout(definition: Definition): Map<string, XYPosition> {
  const byId = new Map(definition.steps.map((s) => [s.id, s]));
  const rank = new Map<string, number>();
  const queue: string[] = [];
  if (byId.has(definition.start)) {
    rank.set(definition.start, 1);
    queue.push(definition.start);
  }
  while (queue.length) {
    const id = queue.shift()!;
    const step = byId.get(id)!;
    for (const slot of slotsOf(step)) {
      const target = linkOf(step, slot.id);
      if (target && byId.has(target) && !rank.has(target)) {
        rank.set(target, rank.get(id)! + 1);
        queue.push(target);
      }
    }
  }
  const last = Math.max(0, ...rank.values()) + 1;
  const rows = new Map<number, string[]>([[0, [ENTRY]]]);
  for (const step of definition.steps) {
    const r = rank.get(step.id) ?? last;
    rows.set(r, [...(rows.get(r) ?? []), step.id]);
  }
  const positions = new Map<string, XYPosition>();
  for (const [r, ids] of rows) {
    ids.forEach((id, i) => positions.set(id, { x: (i - (ids.length - 1) / 2) * 260, y: r * 175 }));
  }
  return positions;
}

/** The graph of a definition; `positions` keeps where the marketer put the nodes. */
export function definitionToGraph(
  definition: Definition,
  positions: Map<string, XYPosition> = layout(definition),
): Graph {
  const ids = new Set(definition.steps.map((s) => s.id));
  const fallback = layout(definition);
  const at = (id: string) => positions.get(id) ?? fallback.get(id) ?? { x: 0, y: 0 };
  const edges: FlowEdge[] = [];
  const entry: EntryNode = {
    id: ENTRY,
    type: "entry",
    position: at(ENTRY),
    deletable: false,
    data: ids.has(definition.start) ? {} : { start: definition.start },
  };
  if (ids.has(definition.start)) edges.push(edge(ENTRY, "start", definition.start, "start"));
  const nodes: FlowNode[] = [entry];
  for (const original of definition.steps) {
    let step = original;
    for (const slot of slotsOf(original)) {
      const target = linkOf(original, slot.id);
      if (target !== undefined && ids.has(target)) {
        edges.push(edge(original.id, slot.id, target, slot.label));
        step = withLink(step, slot.id, undefined);
      }
    }
    nodes.push({ id: original.id, type: "step", position: at(original.id), data: { step } });
  }
  return { nodes, edges };
}

/** The definition a graph stands for, its steps in the order of the nodes. */
export function graphToDefinition(meta: Meta, graph: Graph): Definition {
  const out = new Map<string, FlowEdge[]>();
  for (const e of graph.edges) out.set(e.source, [...(out.get(e.source) ?? []), e]);
  let start = "";
  const steps: Step[] = [];
  for (const node of graph.nodes) {
    if (node.type === "entry") {
      const startEdge = (out.get(ENTRY) ?? []).find((e) => e.sourceHandle === "start");
      start = startEdge?.target ?? node.data.start ?? "";
      continue;
    }
    let step: Step = { ...node.data.step, id: node.id };
    for (const e of out.get(node.id) ?? []) {
      if (e.sourceHandle) step = withLink(step, e.sourceHandle, e.target);
    }
    steps.push(step);
  }
  return { ...meta, start, steps };
}

/** The meta part of a definition (everything but start and steps). */
export function metaOf(definition: Definition): Meta {
  const { start: _start, steps: _steps, ...meta } = definition;
  return meta;
}

// Edits of the graph, each returning a new graph.

/** Draws a link from a handle: it replaces the link that handle had. */
export function connect(graph: Graph, source: string, slot: string, target: string): Graph {
  if (target === ENTRY || !graph.nodes.some((n) => n.id === target)) return graph;
  const source_ = graph.nodes.find((n) => n.id === source);
  if (!source_) return graph;
  const label =
    source_.type === "entry"
      ? "start"
      : (slotsOf(source_.data.step).find((s) => s.id === slot)?.label ?? slot);
  const edges = graph.edges.filter((e) => !(e.source === source && e.sourceHandle === slot));
  const nodes = graph.nodes.map((n) =>
    n.id === source && n.type === "entry" ? { ...n, data: {} } : n,
  );
  return { nodes, edges: [...edges, edge(source, slot, target, label)] };
}

export function disconnect(graph: Graph, edgeIds: Iterable<string>): Graph {
  const gone = new Set(edgeIds);
  return { ...graph, edges: graph.edges.filter((e) => !gone.has(e.id)) };
}

/** Removes steps and every link to and from them (the entry node stays). */
export function removeSteps(graph: Graph, ids: Iterable<string>): Graph {
  const gone = new Set(ids);
  gone.delete(ENTRY);
  return {
    nodes: graph.nodes.filter((n) => !gone.has(n.id)),
    edges: graph.edges.filter((e) => !gone.has(e.source) && !gone.has(e.target)),
  };
}

/** Adds a step of `type`; the first step added to an empty funnel becomes its start. */
export function addStep(graph: Graph, type: StepType, position: XYPosition): { graph: Graph; id: string } {
  const id = freshId(
    type,
    graph.nodes.map((n) => n.id),
  );
  const node: StepNode = { id, type: "step", position, data: { step: newStep(type, id) } };
  let next: Graph = { ...graph, nodes: [...graph.nodes, node] };
  if (!graph.edges.some((e) => e.source === ENTRY)) next = connect(next, ENTRY, "start", id);
  return { graph: next, id };
}

/** Replaces a step's fields; links from handles the step no longer has are dropped, the
 * others relabelled (a split's new percentages). */
export function updateStep(graph: Graph, id: string, step: Step): Graph {
  const slots = new Map(slotsOf(step).map((s) => [s.id, s.label]));
  const nodes = graph.nodes.map((n) =>
    n.id === id && n.type === "step" ? { ...n, data: { step: { ...step, id } } } : n,
  );
  const edges = graph.edges
    .filter((e) => e.source !== id || slots.has(e.sourceHandle ?? ""))
    .map((e) => (e.source === id ? { ...e, label: slots.get(e.sourceHandle ?? "") } : e));
  return { nodes, edges };
}

/** Gives a step a new id, keeping its links; false when the id is taken. */
export function renameStep(graph: Graph, from: string, to: string): Graph | null {
  if (from === to) return graph;
  if (to === ENTRY || graph.nodes.some((n) => n.id === to)) return null;
  const nodes = graph.nodes.map((n) =>
    n.id === from && n.type === "step" ? { ...n, id: to, data: { step: { ...n.data.step, id: to } } } : n,
  );
  const edges = graph.edges.map((e) => {
    const source = e.source === from ? to : e.source;
    const target = e.target === from ? to : e.target;
    return { ...e, id: edgeId(source, e.sourceHandle ?? ""), source, target };
  });
  return { nodes, edges };
}

/** The step of a node, links included (what the definition will hold for it). */
export function stepOf(graph: Graph, id: string): Step | undefined {
  const node = graph.nodes.find((n) => n.id === id);
  if (!node || node.type !== "step") return undefined;
  let step: Step = { ...node.data.step };
  for (const e of graph.edges) if (e.source === id && e.sourceHandle) step = withLink(step, e.sourceHandle, e.target);
  return step;
}

/** Removes path `index` of a random split, its link with it; the later paths keep theirs. */
export function removeSplitPath(graph: Graph, id: string, index: number): Graph {
  const node = graph.nodes.find((n) => n.id === id);
  if (!node || node.type !== "step") return graph;
  const paths = (node.data.step.paths ?? []).filter((_, i) => i !== index);
  const moved: Graph = {
    nodes: graph.nodes,
    edges: graph.edges.flatMap((e) => {
      if (e.source !== id || !e.sourceHandle?.startsWith("path-")) return [e];
      const i = Number(e.sourceHandle.slice(5));
      if (i === index) return [];
      const slot = i > index ? `path-${i - 1}` : e.sourceHandle;
      return [{ ...e, id: edgeId(id, slot), sourceHandle: slot, data: { slot } }];
    }),
  };
  return updateStep(moved, id, { ...node.data.step, paths });
}

/** The step without the link of that slot (a link to a step that does not exist). */
export function clearLink(step: Step, slot: string): Step {
  return withLink(step, slot, undefined);
}

const NODE_W = 240;
const NODE_H = 150;

/** The first place at or to the right of `wanted` that no node covers. */
export function freeSpot(nodes: readonly FlowNode[], wanted: XYPosition): XYPosition {
  const taken = (p: XYPosition) =>
    nodes.some((n) => Math.abs(n.position.x - p.x) < NODE_W && Math.abs(n.position.y - p.y) < NODE_H);
  let spot = wanted;
  while (taken(spot)) spot = { x: spot.x + NODE_W + 20, y: spot.y };
  return spot;
}
