import { describe, expect, it } from "vitest";
import { STEP_TYPES, type Definition } from "./definition";
import {
  ENTRY,
  addStep,
  connect,
  definitionToGraph,
  disconnect,
  freeSpot,
  graphToDefinition,
  metaOf,
  removeSplitPath,
  removeSteps,
  renameStep,
  updateStep,
  type Graph,
} from "./graph";

// One step of every kind, linked in every way a definition links steps.
const everyKind: Definition = {
  name: "Every kind",
  description: "one of each",
  entry: {
    trigger: { schedule: { cron: "0 9 * * *", timeZone: "Europe/Rome" } },
    filter: { balance: { gte: 500 } },
    reentry: "ONCE_PER_PERIOD",
    reentryPeriod: "P30D",
  },
  exit: { events: ["PURCHASE_RECORDED"] },
  start: "wait_event",
  steps: [
    { id: "wait_event", type: "wait", untilEvent: "PURCHASE_RECORDED", timeout: "P7D", next: "rich", timeoutNext: "split" },
    { id: "rich", type: "branch", filter: { balance: { gte: 300 } }, yes: "voucher", no: "add" },
    {
      id: "split",
      type: "randomSplit",
      paths: [
        { percent: 80, next: "email" },
        { percent: 20, next: "goal", holdout: true },
      ],
    },
    { id: "add", type: "addPoints", points: 100, next: "remove" },
    { id: "remove", type: "removePoints", points: 10, next: "set" },
    { id: "set", type: "setPoints", points: 0, next: "email" },
    { id: "email", type: "sendEmail", template: "welcome", next: "sms" },
    { id: "sms", type: "sendSms", template: "hello sms", next: "mms" },
    { id: "mms", type: "sendMms", template: "hello mms", next: "voucher" },
    { id: "voucher", type: "issueVoucher", voucherBatch: "3", next: "category" },
    { id: "category", type: "setCategory", category: "Gold", next: "attribute" },
    { id: "attribute", type: "setAttribute", key: "vip", value: true, next: "staff" },
    { id: "staff", type: "notifyStaff", subject: "New VIP", message: "Say hello", next: "goal" },
    { id: "goal", type: "goal", name: "buy", withinDays: 30, next: "nap" },
    { id: "nap", type: "wait", duration: "P1D", next: "later" },
    { id: "later", type: "wait", untilTimeOfDay: "09:00", next: "birthday" },
    { id: "birthday", type: "wait", untilDate: { attribute: "birthDate" }, next: "done" },
    { id: "done", type: "exit", reason: "finished" },
  ],
};

function labels(graph: Graph): string[] {
  return graph.edges.map((e) => `${e.source} -${e.label}-> ${e.target}`).sort();
}

describe("definition ⇄ graph", () => {
  it("holds a step of every kind", () => {
    expect(new Set(everyKind.steps.map((s) => s.type))).toEqual(new Set(STEP_TYPES));
  });

  it("gives back the same definition, every step kind and link included", () => {
    const graph = definitionToGraph(everyKind);
    expect(graphToDefinition(metaOf(everyKind), graph)).toEqual(everyKind);
  });

  it("draws an entry node and one node a step, links only on the edges", () => {
    const graph = definitionToGraph(everyKind);
    expect(graph.nodes.map((n) => n.id)).toEqual([ENTRY, ...everyKind.steps.map((s) => s.id)]);
    const branch = graph.nodes.find((n) => n.id === "rich");
    expect(branch?.type === "step" && branch.data.step).toEqual({
      id: "rich",
      type: "branch",
      filter: { balance: { gte: 300 } },
    });
  });

  it("labels branches, splits, timeouts and the start", () => {
    const graph = definitionToGraph(everyKind);
    expect(labels(graph)).toEqual(
      expect.arrayContaining([
        `${ENTRY} -start-> wait_event`,
        "wait_event -event-> rich",
        "wait_event -timeout-> split",
        "rich -yes-> voucher",
        "rich -no-> add",
        "split -80%-> email",
        "split -20% holdout-> goal",
        "add -next-> remove",
      ]),
    );
    expect(graph.edges.filter((e) => e.source === "done")).toEqual([]);
  });

  it("keeps a link to a step that does not exist on its step, for the server to report", () => {
    const broken: Definition = {
      ...everyKind,
      start: "nowhere",
      steps: [{ id: "a", type: "addPoints", points: 1, next: "missing" }],
    };
    const graph = definitionToGraph(broken);
    expect(graph.edges).toEqual([]);
    expect(graphToDefinition(metaOf(broken), graph)).toEqual(broken);
  });

  it("lays steps out in rows by their distance from the start", () => {
    const graph = definitionToGraph(everyKind);
    const y = (id: string) => graph.nodes.find((n) => n.id === id)!.position.y;
    expect(y(ENTRY)).toBeLessThan(y("wait_event"));
    expect(y("wait_event")).toBeLessThan(y("rich"));
    expect(y("rich")).toBe(y("split"));
  });
});

describe("editing the graph", () => {
  const simple: Definition = {
    name: "Simple",
    entry: { trigger: { campaign: {} } },
    start: "points",
    steps: [
      { id: "points", type: "addPoints", points: 100, next: "email" },
      { id: "email", type: "sendEmail", template: "welcome" },
    ],
  };

  it("dragging from a handle replaces that handle's link", () => {
    let graph = definitionToGraph(simple);
    graph = addStep(graph, "wait", { x: 0, y: 0 }).graph;
    graph = connect(graph, "points", "next", "wait_1");
    graph = connect(graph, "wait_1", "next", "email");
    const definition = graphToDefinition(metaOf(simple), graph);
    expect(definition.steps.map((s) => [s.id, s.next])).toEqual([
      ["points", "wait_1"],
      ["email", undefined],
      ["wait_1", "email"],
    ]);
  });

  it("a new step is put where no node is", () => {
    const graph = definitionToGraph(simple);
    const points = graph.nodes.find((n) => n.id === "points")!.position;
    const spot = freeSpot(graph.nodes, points);
    expect(spot.y).toBe(points.y);
    expect(spot.x).toBeGreaterThan(points.x + 200);
    const empty = { x: 5000, y: 5000 };
    expect(freeSpot(graph.nodes, empty)).toEqual(empty);
  });

  it("the first step added to an empty funnel is its start", () => {
    let graph = removeSteps(definitionToGraph(simple), ["points", "email"]);
    expect(graphToDefinition(metaOf(simple), graph).start).toBe("");
    const added = addStep(graph, "exit", { x: 0, y: 0 });
    graph = added.graph;
    expect(graphToDefinition(metaOf(simple), graph).start).toBe(added.id);
  });

  it("removing a step removes the links to it; the entry node cannot be removed", () => {
    const graph = removeSteps(definitionToGraph(simple), ["email", ENTRY]);
    expect(graphToDefinition(metaOf(simple), graph)).toEqual({
      ...simple,
      steps: [{ id: "points", type: "addPoints", points: 100 }],
    });
  });

  it("removing an edge removes the link", () => {
    const graph = disconnect(definitionToGraph(simple), ["points:next"]);
    expect(graphToDefinition(metaOf(simple), graph).steps[0].next).toBeUndefined();
  });

  it("renaming a step keeps its links, and refuses an id in use", () => {
    const graph = definitionToGraph(simple);
    expect(renameStep(graph, "email", "points")).toBeNull();
    const renamed = renameStep(graph, "points", "bonus")!;
    const definition = graphToDefinition(metaOf(simple), renamed);
    expect(definition.start).toBe("bonus");
    expect(definition.steps[0]).toEqual({ id: "bonus", type: "addPoints", points: 100, next: "email" });
  });

  it("a split's new percentages relabel its edges; a path removed takes its link", () => {
    const split: Definition = {
      name: "Split",
      entry: { trigger: { campaign: {} } },
      start: "s",
      steps: [
        {
          id: "s",
          type: "randomSplit",
          paths: [
            { percent: 50, next: "a" },
            { percent: 30, next: "b" },
            { percent: 20, next: "c" },
          ],
        },
        { id: "a", type: "exit", reason: "a" },
        { id: "b", type: "exit", reason: "b" },
        { id: "c", type: "exit", reason: "c" },
      ],
    };
    let graph = definitionToGraph(split);
    graph = updateStep(graph, "s", { id: "s", type: "randomSplit", paths: [{ percent: 40 }, { percent: 40 }, { percent: 20 }] });
    expect(labels(graph)).toContain("s -40%-> b");
    graph = removeSplitPath(graph, "s", 0);
    const definition = graphToDefinition(metaOf(split), graph);
    expect(definition.steps[0].paths).toEqual([
      { percent: 40, next: "b" },
      { percent: 20, next: "c" },
    ]);
  });

  it("a wait that no longer waits for an event loses its timeout link", () => {
    const waiting: Definition = {
      name: "W",
      entry: { trigger: { campaign: {} } },
      start: "w",
      steps: [
        { id: "w", type: "wait", untilEvent: "POINTS_EARNED", timeout: "P1D", next: "x", timeoutNext: "x" },
        { id: "x", type: "exit", reason: "x" },
      ],
    };
    const graph = updateStep(definitionToGraph(waiting), "w", { id: "w", type: "wait", duration: "P2D" });
    expect(graphToDefinition(metaOf(waiting), graph).steps[0]).toEqual({
      id: "w",
      type: "wait",
      duration: "P2D",
      next: "x",
    });
  });
});
