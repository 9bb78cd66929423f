// The funnel definition format (docs/funnels.md), as the builder reads and writes it: a JSON
// object whose steps name the steps that follow them. Fields the builder has no form for are
// kept as they came, so a definition made elsewhere survives an edit in the console.

export type Filter = Record<string, unknown>;

export type Trigger =
  | { event: string }
  | { schedule: { cron: string; timeZone: string } }
  | { campaign: { at?: string; customers?: string[] } };

export type Entry = {
  trigger: Trigger;
  filter?: Filter;
  reentry?: "ONCE" | "ONCE_PER_PERIOD" | "WHEN_NOT_INSIDE";
  reentryPeriod?: string;
};

export type Exit = { events?: string[]; filter?: Filter };

export type SplitPath = { percent: number; next?: string; holdout?: boolean };

/** A step: its id, its type, its fields, and the links to the steps after it. */
export type Step = {
  id: string;
  type: StepType;
  next?: string;
  yes?: string;
  no?: string;
  timeoutNext?: string;
  paths?: SplitPath[];
  [field: string]: unknown;
};

export type Definition = {
  name: string;
  description?: string;
  entry: Entry;
  exit?: Exit;
  start: string;
  steps: Step[];
};

/** Everything but the steps and where they start: what the entry node edits. */
export type Meta = Omit<Definition, "start" | "steps">;

export const STEP_TYPES = [
  "wait",
  "branch",
  "randomSplit",
  "addPoints",
  "removePoints",
  "setPoints",
  "sendEmail",
  "sendSms",
  "sendMms",
  "issueVoucher",
  "setCategory",
  "setAttribute",
  "notifyStaff",
  "goal",
  "exit",
] as const;

export type StepType = (typeof STEP_TYPES)[number];

export const STEP_LABELS: Record<StepType, string> = {
  wait: "Wait",
  branch: "Branch",
  randomSplit: "Random split",
  addPoints: "Add points",
  removePoints: "Remove points",
  setPoints: "Set points",
  sendEmail: "Send email",
  sendSms: "Send SMS",
  sendMms: "Send MMS",
  issueVoucher: "Issue voucher",
  setCategory: "Set category",
  setAttribute: "Set attribute",
  notifyStaff: "Notify staff",
  goal: "Goal",
  exit: "Exit",
};

/** The event names a definition may use (the domain records these). */
export const EVENTS = [
  "PURCHASE_RECORDED",
  "POINTS_EARNED",
  "POINTS_SPENT",
  "CUSTOMER_REGISTERED",
  "BADGE_UNLOCKED",
  "BADGE_LOST",
  "CATEGORY_CHANGED",
  "VOUCHER_REDEEMED",
  "REWARD_CLAIMED",
  "CARD_ISSUED",
  "CARD_STATUS_CHANGED",
] as const;

export const SEND_CHANNEL: Partial<Record<StepType, "EMAIL" | "SMS" | "MMS">> = {
  sendEmail: "EMAIL",
  sendSms: "SMS",
  sendMms: "MMS",
};

export function isStepType(value: unknown): value is StepType {
  return typeof value === "string" && (STEP_TYPES as readonly string[]).includes(value);
}

/** A new step of that type, with the fields its form starts from. */
export function newStep(type: StepType, id: string): Step {
  switch (type) {
    case "wait":
      return { id, type, duration: "P1D" };
    case "branch":
      return { id, type, filter: { balance: { gte: 500 } } };
    case "randomSplit":
      return { id, type, paths: [{ percent: 50 }, { percent: 50 }] };
    case "addPoints":
    case "removePoints":
      return { id, type, points: 100 };
    case "setPoints":
      return { id, type, points: 0 };
    case "sendEmail":
    case "sendSms":
    case "sendMms":
      return { id, type, template: "" };
    case "issueVoucher":
      return { id, type, voucherBatch: "" };
    case "setCategory":
      return { id, type, category: "" };
    case "setAttribute":
      return { id, type, key: "", value: "" };
    case "notifyStaff":
      return { id, type, subject: "", message: "" };
    case "goal":
      return { id, type, name: "", withinDays: 30 };
    case "exit":
      return { id, type, reason: "" };
  }
}

/** A step id not yet used: the type's name and the first free number. */
export function freshId(type: StepType, taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let n = 1; ; n++) {
    const id = `${type}_${n}`;
    if (!used.has(id)) return id;
  }
}

const ID = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

export function validStepId(id: string): boolean {
  return ID.test(id);
}

function text(value: unknown): string {
  if (value === undefined || value === null || value === "") return "—";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** One line saying what the step does, for its node on the graph. */
export function summary(step: Step): string {
  switch (step.type) {
    case "wait":
      if (step.duration !== undefined) return `for ${text(step.duration)}`;
      if (step.untilTimeOfDay !== undefined) return `until ${text(step.untilTimeOfDay)}`;
      if (step.untilDate !== undefined) {
        const attribute = (step.untilDate as { attribute?: unknown } | null)?.attribute;
        return `until the ${text(attribute)} anniversary`;
      }
      if (step.untilEvent !== undefined)
        return `until ${text(step.untilEvent)}, at most ${text(step.timeout)}`;
      return "—";
    case "branch":
      return filterSummary(step.filter);
    case "randomSplit":
      return (step.paths ?? []).map((p) => `${p.percent}%${p.holdout ? " holdout" : ""}`).join(" / ");
    case "addPoints":
      return `+${text(step.points)} points`;
    case "removePoints":
      return `−${text(step.points)} points`;
    case "setPoints":
      return `balance to ${text(step.points)}`;
    case "sendEmail":
    case "sendSms":
    case "sendMms":
      return `template ${text(step.template)}`;
    case "issueVoucher":
      return `batch ${text(step.voucherBatch)}`;
    case "setCategory":
      return `to ${text(step.category)}`;
    case "setAttribute":
      return `${text(step.key)} = ${text(step.value)}`;
    case "notifyStaff":
      return text(step.subject);
    case "goal":
      return `${text(step.name)} within ${text(step.withinDays)} days`;
    case "exit":
      return text(step.reason);
  }
}

/** A filter in one short line (its JSON, cut). */
export function filterSummary(filter: unknown): string {
  if (filter === undefined || filter === null) return "no filter";
  const json = JSON.stringify(filter);
  return json.length > 48 ? `${json.slice(0, 47)}…` : json;
}

/** A starting definition for a new funnel: a campaign with one step. */
export function blankDefinition(): Definition {
  return {
    name: "",
    entry: { trigger: { campaign: {} } },
    start: "addPoints_1",
    steps: [{ id: "addPoints_1", type: "addPoints", points: 100 }],
  };
}
