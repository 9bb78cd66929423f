import { describe, expect, it } from "vitest";
import { blankRow, conditionToRow, filterToRows, rowsToFilter, type Row } from "./conditions";
import type { Definition } from "./definition";
import { diffDefinitions } from "./diff";
import { ENTRY } from "./graph";
import { simulationOverlay, statisticsOverlay, type Simulation, type Statistics } from "./overlay";
import { byNode, locate, problemAt } from "./problems";

describe("segment conditions as rows", () => {
  const rows: Row[] = [
    { field: "balance", operator: "gt", value: "500", negate: false },
    { field: "badge", operator: "notHeld", value: "Silver", negate: false },
    { field: "purchases", operator: "gte", value: "2", negate: false },
    { field: "purchases", operator: "eq", value: "0", negate: false, within: "P90D" },
    { field: "spend", operator: "gt", value: "50000", negate: false, within: "P1Y" },
    { field: "lastPurchase", operator: "after", value: "P90D", negate: true },
    { field: "category", operator: "in", value: "Gold, VIP", negate: false },
    { field: "consent", operator: "email", value: "true", negate: false },
    { field: "birthday", operator: "today", value: "", negate: false },
    { field: "birthday", operator: "withinDays", value: "7", negate: false },
    { field: "vouchers", operator: "held", value: "false", negate: false },
    { field: "segment", operator: "is", value: "lapsed-vip", negate: false },
  ];

  it("make the filter the docs describe", () => {
    expect(rowsToFilter("all", rows.slice(0, 2))).toEqual({
      all: [{ balance: { gt: 500 } }, { badge: { notHeld: "Silver" } }],
    });
    expect(rowsToFilter("any", [rows[5]])).toEqual({ not: { lastPurchase: { after: "P90D" } } });
    expect(rowsToFilter("all", [rows[2]])).toEqual({ purchases: { count: { gte: 2 } } });
    expect(rowsToFilter("all", rows.slice(3, 5))).toEqual({
      all: [{ purchases: { count: { eq: 0 }, within: "P90D" } }, { spend: { gt: 50000, within: "P1Y" } }],
    });
    expect(rowsToFilter("all", [])).toBeNull();
  });

  it("come back from their filter unchanged", () => {
    for (const mode of ["all", "any"] as const) {
      expect(filterToRows(rowsToFilter(mode, rows))).toEqual({ mode, rows });
    }
  });

  it("say the demo's win-back entry: 100 points or more and no purchase in 90 days", () => {
    const filter = { all: [{ balance: { gte: 100 } }, { purchases: { count: { eq: 0 }, within: "P90D" } }] };
    expect(filterToRows(filter)).toEqual({
      mode: "all",
      rows: [
        { field: "balance", operator: "gte", value: "100", negate: false },
        { field: "purchases", operator: "eq", value: "0", negate: false, within: "P90D" },
      ],
    });
  });

  it("say RFM scores as comparisons, both ways", () => {
    const rows: Row[] = [
      { field: "rfmRecency", operator: "lte", value: "2", negate: false },
      { field: "rfmMonetary", operator: "eq", value: "5", negate: false },
    ];
    const filter = { all: [{ rfmRecency: { lte: 2 } }, { rfmMonetary: { eq: 5 } }] };
    expect(rowsToFilter("all", rows)).toEqual(filter);
    expect(filterToRows(filter)).toEqual({ mode: "all", rows });
  });

  it("are not offered for a filter rows cannot say", () => {
    expect(filterToRows({ all: [{ any: [{ balance: { gt: 1 } }] }] })).toBeNull();
    expect(filterToRows({ attribute: { key: "pet", type: "string", eq: "cat" } })).toBeNull();
    expect(filterToRows({ balance: { gte: 1, lt: 5 } })).toBeNull();
    expect(filterToRows({ purchases: { count: { gte: 1 }, shops: ["roma"] } })).toBeNull();
    expect(conditionToRow({ not: { not: { balance: { gt: 1 } } } })).toBeNull();
  });

  it("send a value that is not a whole number as typed, for the server to name", () => {
    expect(rowsToFilter("all", [{ ...blankRow(), value: "lots" }])).toEqual({ balance: { gte: "lots" } });
  });
});

describe("problems on the node at fault", () => {
  const sent: Definition = {
    name: "",
    entry: { trigger: { campaign: {} } },
    start: "a",
    steps: [
      { id: "a", type: "addPoints", points: 0, next: "b" },
      { id: "b", type: "sendEmail", template: "" },
    ],
  };

  it("names the step by its index in the definition sent, and the field below it", () => {
    const problems = locate(
      [
        { field: "steps[0].points", code: "INVALID", message: "at least 1" },
        { field: "steps[1].template", code: "NOT_FOUND", message: "no such template" },
        { field: "name", code: "REQUIRED", message: "a name" },
        { field: "entry.trigger.schedule.cron", code: "INVALID", message: "bad cron" },
        { field: "migration.x", code: "NOT_FOUND", message: "no step x" },
      ],
      sent,
    );
    expect(problems.map((p) => [p.node, p.local])).toEqual([
      ["a", "points"],
      ["b", "template"],
      [ENTRY, "name"],
      [ENTRY, "entry.trigger.schedule.cron"],
      [null, "migration.x"],
    ]);
    const nodes = byNode(problems);
    expect(problemAt(nodes.get("a"), "points")).toBe("at least 1");
    expect(problemAt(nodes.get(ENTRY), "entry.trigger")).toBe("bad cron");
    expect(problemAt(nodes.get("a"), "next")).toBeUndefined();
  });

  it("puts a problem of the whole step on the step", () => {
    const [problem] = locate([{ field: "steps[1]", code: "INVALID", message: "unreachable" }], sent);
    expect([problem.node, problem.local]).toEqual(["b", ""]);
  });
});

describe("differences between versions", () => {
  const v1: Definition = {
    name: "Welcome",
    entry: { trigger: { event: "CUSTOMER_REGISTERED" } },
    start: "points",
    steps: [
      { id: "points", type: "addPoints", points: 100, next: "email" },
      { id: "email", type: "sendEmail", template: "welcome" },
    ],
  };
  const v2: Definition = {
    ...v1,
    name: "Welcome series",
    steps: [
      { id: "points", type: "addPoints", points: 200, next: "sms" },
      { id: "sms", type: "sendSms", template: "hello sms" },
    ],
  };

  it("lists added, removed and changed steps with their fields before and after", () => {
    const diff = diffDefinitions(v1, v2);
    expect(diff.funnel).toEqual([{ field: "name", before: "Welcome", after: "Welcome series" }]);
    expect(diff.steps.map((s) => [s.kind, s.id])).toEqual([
      ["changed", "points"],
      ["added", "sms"],
      ["removed", "email"],
    ]);
    expect(diff.steps[0]).toMatchObject({
      fields: [
        { field: "points", before: "100", after: "200" },
        { field: "next", before: "email", after: "sms" },
      ],
    });
  });

  it("is empty between equal versions", () => {
    expect(diffDefinitions(v1, structuredClone(v1))).toEqual({ funnel: [], steps: [] });
  });
});

describe("figures on the graph", () => {
  const path = (kind: string, nextStepId: string | null, count: number, splitPath: number | null = null) => ({
    kind: kind as "NEXT",
    nextStepId,
    splitPath,
    holdout: false,
    count,
  });
  const step = (stepId: string, reached: number, paths: ReturnType<typeof path>[]) => ({
    stepId,
    type: "x",
    reached,
    exited: 0,
    completed: 0,
    failed: 0,
    failures: [],
    stopped: 0,
    stops: [],
    earliestAt: null,
    latestAt: null,
    paths,
    points: null,
    messages: null,
    vouchers: null,
  });

  it("puts a dry run's counts on the edges they took, a split's on each path", () => {
    const simulation = {
      audience: 10,
      entered: 8,
      notEntered: 2,
      steps: [
        step("rich", 8, [path("YES", "split", 3), path("NO", "done", 5)]),
        step("split", 3, [path("SPLIT", "done", 2, 0), path("SPLIT", "done", 1, 1)]),
        step("done", 8, []),
      ],
    } as unknown as Simulation;
    const overlay = simulationOverlay(simulation);
    expect(Object.fromEntries(overlay.edges)).toEqual({
      [`${ENTRY}:start`]: 8,
      "rich:yes": 3,
      "rich:no": 5,
      "split:path-0": 2,
      "split:path-1": 1,
    });
    expect(overlay.nodes.get(ENTRY)).toEqual(["audience 10", "entered 8", "not entered 2"]);
    expect(overlay.nodes.get("split")).toEqual(["reached 3"]);
  });

  it("adds up every version's runs of a step, and shows steps that never ran", () => {
    const statistics = {
      entered: 4,
      active: 1,
      waiting: 1,
      completed: 3,
      exited: 0,
      failed: 0,
      goals: [],
      steps: [
        { version: 1, stepId: "p", runs: 2, standing: 0, waiting: 0, pointsAdded: 200, pointsRemoved: 0, messages: [], vouchersIssued: 0, vouchersRedeemed: 0, outcomes: [] },
        { version: 2, stepId: "p", runs: 2, standing: 1, waiting: 1, pointsAdded: 400, pointsRemoved: 0, messages: [{ name: "SENT", count: 2 }], vouchersIssued: 0, vouchersRedeemed: 0, outcomes: [] },
      ],
    } as unknown as Statistics;
    const overlay = statisticsOverlay(statistics, ["p", "q"]);
    expect(overlay.nodes.get("p")).toEqual(["ran 4", "here now 1", "+600 points", "messages 2"]);
    expect(overlay.nodes.get("q")).toEqual(["ran 0"]);
  });
});
