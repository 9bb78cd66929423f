// The nodes of the builder's graph: the entry (how customers come in) and one per step, each
// showing its kind, id and what it does, the problems found on it (red outline and message)
// and the figures of a dry run or of the funnel's statistics.
import { createContext, useContext } from "react";
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { STEP_LABELS, filterSummary, summary, type Meta } from "./definition";
import { ENTRY, slotsOf, type EntryNode, type StepNode } from "./graph";
import { EMPTY_OVERLAY, type Overlay } from "./overlay";
import type { Problem } from "./problems";

export type Decorations = {
  problems: Map<string, Problem[]>;
  overlay: Overlay;
  meta: Meta;
};

export const DecorationsContext = createContext<Decorations>({
  problems: new Map(),
  overlay: EMPTY_OVERLAY,
  meta: { name: "", entry: { trigger: { campaign: {} } } },
});

function Problems({ id }: { id: string }) {
  const problems = useContext(DecorationsContext).problems.get(id);
  if (!problems?.length) return null;
  return (
    <ul className="node-problems">
      {problems.map((p, i) => (
        <li key={i}>
          {p.local ? <strong>{p.local}: </strong> : null}
          {p.message}
        </li>
      ))}
    </ul>
  );
}

function Figures({ id }: { id: string }) {
  const lines = useContext(DecorationsContext).overlay.nodes.get(id);
  if (!lines?.length) return null;
  return (
    <ul className="node-figures" aria-label="Figures">
      {lines.map((line) => (
        <li key={line}>{line}</li>
      ))}
    </ul>
  );
}

function triggerText(meta: Meta): string {
  const trigger = meta.entry?.trigger as Record<string, unknown> | undefined;
  if (trigger && "event" in trigger) return `on ${String(trigger.event)}`;
  if (trigger && "schedule" in trigger) {
    const s = trigger.schedule as { cron?: string; timeZone?: string } | undefined;
    return `every ${s?.cron ?? "?"} (${s?.timeZone ?? "?"})`;
  }
  return "campaign";
}

export function EntryNodeView({ id, selected }: NodeProps<EntryNode>) {
  const { problems, meta } = useContext(DecorationsContext);
  const faulty = Boolean(problems.get(id)?.length);
  return (
    <div className={`flow-node entry${faulty ? " faulty" : ""}${selected ? " selected" : ""}`}>
      <div className="node-kind">Entry</div>
      <div className="node-title">{meta.name || "Unnamed funnel"}</div>
      <div className="node-summary">{triggerText(meta)}</div>
      <div className="node-summary">{filterSummary(meta.entry?.filter)}</div>
      <Figures id={ENTRY} />
      <Problems id={ENTRY} />
      <Handle type="source" position={Position.Bottom} id="start" />
    </div>
  );
}

export function StepNodeView({ id, data, selected }: NodeProps<StepNode>) {
  const { problems } = useContext(DecorationsContext);
  const faulty = Boolean(problems.get(id)?.length);
  const slots = slotsOf(data.step);
  return (
    <div className={`flow-node step kind-${data.step.type}${faulty ? " faulty" : ""}${selected ? " selected" : ""}`}>
      <Handle type="target" position={Position.Top} id="in" />
      <div className="node-kind">{STEP_LABELS[data.step.type] ?? data.step.type}</div>
      <div className="node-title">{id}</div>
      <div className="node-summary">{summary(data.step)}</div>
      <Figures id={id} />
      <Problems id={id} />
      {slots.length > 1 ? (
        <div className="node-slots" aria-hidden="true">
          {slots.map((slot) => (
            <span key={slot.id}>{slot.label}</span>
          ))}
        </div>
      ) : null}
      {slots.map((slot, i) => (
        <Handle
          key={slot.id}
          type="source"
          position={Position.Bottom}
          id={slot.id}
          title={slot.label}
          style={{ left: `${((i + 1) / (slots.length + 1)) * 100}%` }}
        />
      ))}
    </div>
  );
}

export const NODE_TYPES = { entry: EntryNodeView, step: StepNodeView };
