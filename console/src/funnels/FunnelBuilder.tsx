// The funnel builder: the definition drawn as a graph (React Flow), a side panel per step, an
// add-step palette, problems checked as the marketer types and shown on the node at fault,
// a dry run and the funnel's statistics drawn on the graph, saving, the status moves, and
// the versions with their differences.
import "@xyflow/react/dist/style.css";
import {
  Background,
  Controls,
  MarkerType,
  ReactFlow,
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type EdgeChange,
  type FinalConnectionState,
  type NodeChange,
  type ReactFlowInstance,
  type XYPosition,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { useClient, useMutation, useQuery } from "urql";
import { useSession } from "../app/session";
import {
  FunnelStatisticsDocument,
  FunnelVersionDocument,
  SaveFunnelDocument,
  SimulateFunnelDocument,
  ValidateFunnelDocument,
  type FunnelVersionQuery,
} from "../generated/graphql";
import { FormErrors, type UserError } from "../ui/forms";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { formatPoints } from "../ui/format";
import { STEP_LABELS, STEP_TYPES, blankDefinition, type Definition, type Meta, type StepType } from "./definition";
import { DecorationsContext, NODE_TYPES } from "./FlowNodes";
import { EntryPanel } from "./EntryPanel";
import {
  ENTRY,
  addStep,
  clearLink,
  connect,
  definitionToGraph,
  disconnect,
  freeSpot,
  graphToDefinition,
  linkOf,
  metaOf,
  removeSplitPath,
  removeSteps,
  renameStep,
  slotsOf,
  stepOf,
  updateStep,
  type FlowEdge,
  type FlowNode,
  type Graph,
} from "./graph";
import { EMPTY_OVERLAY, simulationOverlay, statisticsOverlay, type Simulation } from "./overlay";
import { byNode, locate, type Problem } from "./problems";
import { MigrationFields, type Migration } from "./Migration";
import { StatusActions, StatusBadge } from "./StatusActions";
import { FiguresBar, SimulationSummary, type Figures } from "./Figures";
import { StatisticsSummary } from "./StatisticsSummary";
import { StepPanel } from "./StepPanel";
import { Versions } from "./Versions";

/** A fresh idempotency key (randomUUID needs a secure context; getRandomValues does not). */
function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const FIT = { padding: 0.15, maxZoom: 1 };

type Funnel = NonNullable<FunnelVersionQuery["funnel"]>;

export default function FunnelBuilder() {
  const { id } = useParams();
  const [result, refetch] = useQuery({
    query: FunnelVersionDocument,
    variables: { id: id ?? "", version: null },
    pause: !id,
  });
  const reload = useCallback(() => refetch({ requestPolicy: "network-only" }), [refetch]);
  if (!id) return <Editor key="new" funnel={null} initial={blankDefinition()} reload={reload} />;
  if (result.error) return <RequestError error={result.error} />;
  const funnel = result.data?.funnel;
  if (!funnel) return result.fetching || !result.data ? <Loading what="Loading the funnel" /> : <p role="alert">No such funnel.</p>;
  return (
    <Editor
      key={`${funnel.id}`}
      funnel={funnel}
      initial={funnel.version?.definition as Definition}
      reload={reload}
    />
  );
}

function positionsFrom(state: unknown): Map<string, XYPosition> | undefined {
  const saved = (state as { positions?: Record<string, XYPosition> } | null)?.positions;
  return saved ? new Map(Object.entries(saved)) : undefined;
}

function Editor({ funnel, initial, reload }: { funnel: Funnel | null; initial: Definition; reload: () => void }) {
  const client = useClient();
  const navigate = useNavigate();
  const location = useLocation();
  const { can } = useSession();
  const [meta, setMeta] = useState<Meta>(() => metaOf(initial));
  const [graph, setGraph] = useState<Graph>(() => {
    const drawn = definitionToGraph(initial, positionsFrom(location.state));
    // A new funnel opens on its entry, whose form comes first.
    return funnel ? drawn : { ...drawn, nodes: drawn.nodes.map((n) => ({ ...n, selected: n.id === ENTRY })) };
  });
  const definition = useMemo(() => graphToDefinition(meta, graph), [meta, graph]);
  const key = JSON.stringify(definition);
  const [savedKey, setSavedKey] = useState(() => (funnel ? JSON.stringify(graphToDefinition(metaOf(initial), definitionToGraph(initial))) : ""));
  const dirty = key !== savedKey;

  // Problems, checked half a second after the last change.
  const [problems, setProblems] = useState<Problem[]>([]);
  const [checking, setChecking] = useState(false);
  const latest = useRef(key);
  latest.current = key;
  const showProblems = useCallback((errors: readonly UserError[], sent: Definition, sentKey: string) => {
    if (sentKey === latest.current) setProblems(locate(errors, sent));
  }, []);
  useEffect(() => {
    const sent = JSON.parse(key) as Definition;
    setChecking(true);
    const timer = setTimeout(() => {
      void client
        .query(ValidateFunnelDocument, { definition: sent }, { requestPolicy: "network-only" })
        .toPromise()
        .then((answer) => {
          if (answer.data) showProblems(answer.data.validateFunnel.userErrors, sent, key);
          if (key === latest.current) setChecking(false);
        });
    }, 500);
    return () => clearTimeout(timer);
  }, [client, key, showProblems]);

  // The dry run and the statistics, drawn on the graph.
  const [figures, setFigures] = useState<Figures>("none");
  const [simulation, setSimulation] = useState<{ key: string; result: Simulation } | null>(null);
  const [simulating, setSimulating] = useState(false);
  const [timeTravel, setTimeTravel] = useState(false);
  const [simulationError, setSimulationError] = useState<string | null>(null);
  const simulate = async () => {
    setSimulating(true);
    setSimulationError(null);
    const sent = definition;
    const answer = await client
      .query(SimulateFunnelDocument, { definition: sent, timeTravel }, { requestPolicy: "network-only" })
      .toPromise();
    setSimulating(false);
    if (answer.error) return setSimulationError(answer.error.message);
    const payload = answer.data?.simulateFunnel;
    if (!payload) return;
    if (payload.userErrors.length) {
      showProblems(payload.userErrors, sent, key);
      setSimulationError("Fix the problems first: a funnel with problems is not simulated.");
      return;
    }
    if (payload.simulation) {
      setSimulation({ key, result: payload.simulation });
      setFigures("simulation");
    }
  };
  const mayReadStatistics = can("READ_REPORTS");
  const [statistics] = useQuery({
    query: FunnelStatisticsDocument,
    variables: { id: funnel?.id ?? "" },
    pause: !funnel || !mayReadStatistics,
  });
  const stepIdsKey = graph.nodes.flatMap((n) => (n.type === "step" ? [n.id] : [])).join(" ");
  const overlay = useMemo(() => {
    if (figures === "simulation" && simulation) return simulationOverlay(simulation.result);
    if (figures === "statistics" && statistics.data?.funnelStatistics)
      return statisticsOverlay(statistics.data.funnelStatistics, stepIdsKey.split(" ").filter(Boolean));
    return EMPTY_OVERLAY;
  }, [figures, simulation, statistics.data, stepIdsKey]);

  // Saving.
  const [saveResult, save] = useMutation(SaveFunnelDocument);
  const [saveErrors, setSaveErrors] = useState<readonly UserError[]>([]);
  const [saved, setSaved] = useState<string | null>(null);
  const [migration, setMigration] = useState<Migration>(null);
  const running = funnel?.status === "ACTIVE" || funnel?.status === "PAUSED";
  const archived = funnel?.status === "ARCHIVED";
  const onSave = async () => {
    setSaved(null);
    const sent = definition;
    const answer = await save({
      input: {
        id: funnel?.id ?? null,
        definition: sent,
        idempotencyKey: newKey(),
        migration: running && migration ? migration : null,
      },
    });
    const payload = answer.data?.saveFunnel;
    if (!payload) return;
    if (payload.userErrors.length) {
      showProblems(payload.userErrors, sent, key);
      setSaveErrors(payload.userErrors);
      return;
    }
    setSaveErrors([]);
    setSavedKey(key);
    setMigration(null);
    setSaved(payload.changed ? `Saved as version ${payload.version?.version}.` : "No change: nothing saved.");
    if (!funnel && payload.funnel) {
      const positions = Object.fromEntries(graph.nodes.map((n) => [n.id, n.position]));
      navigate(`/funnels/${payload.funnel.id}`, { replace: true, state: { positions } });
    } else {
      reload();
    }
  };

  // Editing the graph.
  const problemsByNode = useMemo(() => byNode(problems), [problems]);
  const selected = graph.nodes.find((n) => n.selected);
  const select = (id: string) =>
    setGraph((g) => ({ ...g, nodes: g.nodes.map((n) => ({ ...n, selected: n.id === id })) }));
  const onNodesChange = useCallback(
    (changes: NodeChange<FlowNode>[]) => setGraph((g) => {
      const removed = changes.flatMap((c) => (c.type === "remove" ? [c.id] : []));
      const moved = { ...g, nodes: applyNodeChanges(changes.filter((c) => c.type !== "remove"), g.nodes) };
      return removed.length ? removeSteps(moved, removed) : moved;
    }),
    [],
  );
  const onEdgesChange = useCallback(
    (changes: EdgeChange<FlowEdge>[]) => setGraph((g) => ({ ...g, edges: applyEdgeChanges(changes, g.edges) })),
    [],
  );
  const onConnect = useCallback(
    (c: Connection) => setGraph((g) => connect(g, c.source, c.sourceHandle ?? "next", c.target)),
    [],
  );
  // Dropped on a node's body rather than on its handle: connect to that node all the same.
  const onConnectEnd = useCallback((event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    if (state.isValid || !state.fromNode || !state.fromHandle || state.fromHandle.type !== "source") return;
    const point = "changedTouches" in event ? event.changedTouches[0] : event;
    const under = document.elementFromPoint(point.clientX, point.clientY)?.closest(".react-flow__node");
    const target = under?.getAttribute("data-id");
    const source = state.fromNode.id;
    const slot = state.fromHandle.id ?? "next";
    if (target && target !== ENTRY && target !== source) setGraph((g) => connect(g, source, slot, target));
  }, []);
  const addOf = (type: StepType) => {
    setGraph((g) => {
      const from = g.nodes.find((n) => n.selected);
      const lowest = Math.max(...g.nodes.map((n) => n.position.y));
      const wanted = from ? { x: from.position.x, y: from.position.y + 175 } : { x: 0, y: lowest + 175 };
      const added = addStep(g, type, freeSpot(g.nodes, wanted));
      let next = added.graph;
      if (from && from.type === "step") {
        const free = slotsOf(from.data.step).find((s) => !g.edges.some((e) => e.source === from.id && e.sourceHandle === s.id));
        if (free) next = connect(next, from.id, free.id, added.id);
      } else if (from && from.type === "entry" && !g.edges.some((e) => e.source === ENTRY)) {
        next = connect(next, ENTRY, "start", added.id);
      }
      return { ...next, nodes: next.nodes.map((n) => ({ ...n, selected: n.id === added.id })) };
    });
  };

  const nodes = useMemo(
    () =>
      graph.nodes.map((n) => ({
        ...n,
        ariaLabel:
          n.type === "entry"
            ? `Entry of ${meta.name || "the funnel"}`
            : `${STEP_LABELS[n.data.step.type] ?? n.data.step.type} step ${n.id}${problemsByNode.get(n.id) ? ", has problems" : ""}`,
      })),
    [graph.nodes, meta.name, problemsByNode],
  );
  const edges = useMemo(
    () =>
      graph.edges.map((e) => {
        const count = overlay.edges.get(e.id);
        return count === undefined ? e : { ...e, label: `${e.label} · ${formatPoints(count)}`, className: "counted" };
      }),
    [graph.edges, overlay],
  );
  // Everything in view when steps come or go, or figures make the nodes taller.
  const [flow, setFlow] = useState<ReactFlowInstance<FlowNode, FlowEdge> | null>(null);
  const nodeCount = graph.nodes.length;
  useEffect(() => {
    if (!flow) return;
    const fit = () => requestAnimationFrame(() => void flow.fitView(FIT));
    const frame = fit();
    window.addEventListener("resize", fit);
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener("resize", fit);
    };
  }, [flow, nodeCount, overlay]);
  const decorations = useMemo(() => ({ problems: problemsByNode, overlay, meta }), [problemsByNode, overlay, meta]);
  const stepIds = graph.nodes.filter((n) => n.type === "step").map((n) => n.id);
  const general = problems.filter((p) => p.node === null);

  return (
    <div className="builder">
      <div className="builder-head">
        <div>
          <p className="crumbs">
            <Link to="/funnels">Funnels</Link> /
          </p>
          <h1>
            {funnel ? funnel.name : "New funnel"}{" "}
            {funnel ? <StatusBadge status={funnel.status} /> : null}
          </h1>
          {funnel ? (
            <p className="muted">
              Version {funnel.currentVersion}
              {dirty ? " · unsaved changes" : ""}
            </p>
          ) : null}
        </div>
        <div className="builder-actions">
          <button type="button" onClick={onSave} disabled={saveResult.fetching || archived || (Boolean(funnel) && !dirty)}>
            {saveResult.fetching ? "Saving…" : funnel ? "Save new version" : "Save draft"}
          </button>
          {funnel ? <StatusActions funnel={funnel} dirty={dirty} onDone={reload} /> : null}
        </div>
      </div>
      {archived ? <p className="hint">An archived funnel is over for good: it cannot be saved again.</p> : null}
      {running && dirty && funnel?.version ? (
        <MigrationFields
          oldIds={(funnel.version.definition as Definition).steps.map((s) => s.id)}
          newIds={stepIds}
          value={migration}
          onChange={setMigration}
          errorFor={(oldId) => saveErrors.find((e) => e.field === `migration.${oldId}`)?.message}
        />
      ) : null}
      <RequestError error={saveResult.error} />
      <FormErrors errors={saveErrors.filter((e) => !locate([e], definition)[0].node && !e.field?.startsWith("migration."))} />
      {saved ? (
        <p className="ok" role="status">
          {saved}
        </p>
      ) : null}

      <div className="builder-grid">
        <div className="canvas-column">
          <div className="palette" role="toolbar" aria-label="Add a step">
            {STEP_TYPES.map((type) => (
              <button key={type} type="button" className="secondary small" onClick={() => addOf(type)}>
                + {STEP_LABELS[type]}
              </button>
            ))}
          </div>
          <p className="hint">
            Drag from a node's lower handle to another node to connect them; select a node (Tab, then Enter)
            and press Delete to remove it. New steps follow the selected one.
          </p>
          <DecorationsContext.Provider value={decorations}>
            <div className="canvas" aria-label="Funnel graph" role="region">
              <ReactFlow<FlowNode, FlowEdge>
                nodes={nodes}
                edges={edges}
                nodeTypes={NODE_TYPES}
                onNodesChange={onNodesChange}
                onEdgesChange={onEdgesChange}
                onConnect={onConnect}
                onConnectEnd={onConnectEnd}
                isValidConnection={(c) => c.target !== ENTRY && c.source !== c.target}
                deleteKeyCode={["Delete"]}
                defaultEdgeOptions={{ markerEnd: { type: MarkerType.ArrowClosed } }}
                onInit={setFlow}
                fitView
                fitViewOptions={FIT}
                minZoom={0.2}
              >
                <Background />
                <Controls showInteractive={false} />
              </ReactFlow>
            </div>
          </DecorationsContext.Provider>
          <FiguresBar
            figures={figures}
            setFigures={setFigures}
            hasStatistics={Boolean(funnel && mayReadStatistics)}
            simulate={simulate}
            simulating={simulating}
            timeTravel={timeTravel}
            setTimeTravel={setTimeTravel}
            stale={Boolean(simulation && simulation.key !== key)}
          />
          {simulationError ? (
            <p className="error" role="alert">
              {simulationError}
            </p>
          ) : null}
          {figures === "simulation" && simulation ? <SimulationSummary simulation={simulation.result} /> : null}
          {figures === "statistics" ? <RequestError error={statistics.error} /> : null}
          {figures === "statistics" && statistics.data?.funnelStatistics ? (
            <StatisticsSummary statistics={statistics.data.funnelStatistics} />
          ) : null}
        </div>

        <aside className="side" aria-label="Selected step">
          {!selected ? (
            <section className="panel">
              <h2>Nothing selected</h2>
              <p className="hint">Select a node on the graph (or a problem below) to edit it.</p>
            </section>
          ) : selected.type === "entry" ? (
            <EntryPanel meta={meta} problems={problemsByNode.get(ENTRY) ?? []} onChange={setMeta} />
          ) : (
            <StepPanel
              key={selected.id}
              step={selected.data.step}
              slots={slotsOf(selected.data.step)}
              links={Object.fromEntries(
                slotsOf(selected.data.step).map((s) => [s.id, linkOf(stepOf(graph, selected.id)!, s.id)]),
              )}
              stepIds={stepIds}
              problems={problemsByNode.get(selected.id) ?? []}
              onChange={(step) => setGraph((g) => updateStep(g, selected.id, step))}
              onRename={(to) => {
                const renamed = renameStep(graph, selected.id, to);
                if (!renamed) return "Another step has this id.";
                setGraph(renamed);
                return null;
              }}
              onLink={(slot, target) =>
                setGraph((g) => {
                  const node = g.nodes.find((n) => n.id === selected.id);
                  const cleared =
                    node?.type === "step" ? updateStep(g, selected.id, clearLink(node.data.step, slot)) : g;
                  const without = disconnect(cleared, [`${selected.id}:${slot}`]);
                  return target ? connect(without, selected.id, slot, target) : without;
                })
              }
              onRemovePath={(index) => setGraph((g) => removeSplitPath(g, selected.id, index))}
              onRemove={() => setGraph((g) => removeSteps(g, [selected.id]))}
            />
          )}
        </aside>
      </div>

      <section className="card" aria-labelledby="problems-title">
        <h2 id="problems-title">
          Problems {checking ? <span className="muted">(checking…)</span> : null}
        </h2>
        {problems.length === 0 ? (
          <p className="ok">{checking ? "Checking the funnel…" : "No problems: the funnel can be saved."}</p>
        ) : (
          <ul className="problem-list">
            {problems.map((p, i) => (
              <li key={i}>
                {p.node ? (
                  <button type="button" className="link-button" onClick={() => select(p.node!)}>
                    {p.node === ENTRY ? "Entry" : p.node}
                  </button>
                ) : null}{" "}
                <code>{p.field}</code>: {p.message}
              </li>
            ))}
          </ul>
        )}
        {general.length ? <p className="hint">Problems of no step are shown in the list only.</p> : null}
      </section>

      {funnel ? (
        <Versions
          funnel={funnel}
          onOpen={(version) => {
            setMeta(metaOf(version));
            setGraph(definitionToGraph(version));
          }}
        />
      ) : null}

      <details className="card">
        <summary>Definition as JSON</summary>
        <pre className="json-view">{JSON.stringify(definition, null, 2)}</pre>
      </details>
    </div>
  );
}
