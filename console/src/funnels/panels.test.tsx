import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { Provider, type Client } from "urql";
import { fromValue, never } from "wonka";
import { describe, expect, it, vi } from "vitest";
import { SessionProvider } from "../app/session";
import type { Filter, Step } from "./definition";
import { slotsOf } from "./graph";
import type { Problem } from "./problems";
import { SegmentBuilder } from "./SegmentBuilder";
import { StepPanel } from "./StepPanel";

/** A client answering every query with `data` (or never, without). */
function client(data?: unknown): Client {
  return {
    executeQuery: vi.fn(() => (data ? fromValue({ data, stale: false, hasNext: false }) : never)),
    executeMutation: vi.fn(() => never),
    executeSubscription: vi.fn(() => never),
  } as unknown as Client;
}

function Panel({
  initial,
  problems = [],
  onLink = vi.fn(),
  onRemovePath = vi.fn(),
}: {
  initial: Step;
  problems?: Problem[];
  onLink?: (slot: string, target: string | null) => void;
  onRemovePath?: (index: number) => void;
}) {
  const [step, setStep] = useState(initial);
  return (
    <SessionProvider>
      <Provider value={client()}>
        <StepPanel
          step={step}
          slots={slotsOf(step)}
          links={{}}
          stepIds={[step.id, "later"]}
          problems={problems}
          onChange={setStep}
          onRename={() => null}
          onLink={onLink}
          onRemovePath={onRemovePath}
          onRemove={vi.fn()}
        />
        <output data-testid="step">{JSON.stringify(step)}</output>
      </Provider>
    </SessionProvider>
  );
}

const shown = () => JSON.parse(screen.getByTestId("step").textContent ?? "{}") as Step;

describe("the step panel", () => {
  it("edits a points step's points as a number and shows the problem on its field", async () => {
    const problem: Problem = { field: "steps[0].points", code: "INVALID", message: "At least 1.", node: "p", local: "points" };
    render(<Panel initial={{ id: "p", type: "addPoints", points: 0 }} problems={[problem]} />);
    const points = screen.getByLabelText("Points to add");
    expect(points.getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText("At least 1.")).toBeTruthy();
    await userEvent.clear(points);
    await userEvent.type(points, "250");
    expect(shown()).toEqual({ id: "p", type: "addPoints", points: 250 });
  });

  it("switches a wait to waiting for an event, with a timeout and two links", async () => {
    render(<Panel initial={{ id: "w", type: "wait", duration: "P1D" }} />);
    await userEvent.selectOptions(screen.getByLabelText("Wait"), "untilEvent");
    expect(shown()).toEqual({ id: "w", type: "wait", untilEvent: "PURCHASE_RECORDED", timeout: "P7D" });
    expect(screen.getByLabelText('After "event"')).toBeTruthy();
    expect(screen.getByLabelText('After "timeout"')).toBeTruthy();
  });

  it("adds and removes the paths of a random split, showing their total", async () => {
    const onRemovePath = vi.fn();
    render(<Panel initial={{ id: "s", type: "randomSplit", paths: [{ percent: 50 }, { percent: 50 }] }} onRemovePath={onRemovePath} />);
    expect(screen.getByText(/now 100/)).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Add path" }));
    expect(screen.getByText(/now 100/)).toBeTruthy();
    await userEvent.clear(screen.getByLabelText("Path 3 percent"));
    await userEvent.type(screen.getByLabelText("Path 3 percent"), "10");
    expect(screen.getByText(/now 110/)).toBeTruthy();
    await userEvent.click(screen.getAllByLabelText("holdout")[0]);
    expect(shown().paths?.[0]).toEqual({ percent: 50, holdout: true });
    await userEvent.click(screen.getByRole("button", { name: "Remove path 3" }));
    expect(onRemovePath).toHaveBeenCalledWith(2);
  });

  it("links a step to the next one from the keyboard's select", async () => {
    const onLink = vi.fn();
    render(<Panel initial={{ id: "e", type: "sendEmail", template: "welcome" }} onLink={onLink} />);
    // Without the templates' permission, the template is named in a text field
    expect((screen.getByLabelText("Template name") as HTMLInputElement).value).toBe("welcome");
    await userEvent.selectOptions(screen.getByLabelText("Next step"), "later");
    expect(onLink).toHaveBeenCalledWith("next", "later");
    await userEvent.selectOptions(screen.getByLabelText("Next step"), "");
    expect(onLink).toHaveBeenLastCalledWith("next", null);
  });
});

function Segment({ answer }: { answer?: unknown }) {
  const [filter, setFilter] = useState<Filter | null>(null);
  return (
    <Provider value={client(answer)}>
      <SegmentBuilder label="Who may enter" filter={filter} onChange={setFilter} />
      <output data-testid="filter">{JSON.stringify(filter)}</output>
    </Provider>
  );
}

describe("the segment builder", () => {
  it("turns rows into a filter and shows the live count of the customers it matches", async () => {
    const answer = { segmentPreview: { count: 7, costClass: "LOW", customers: [], userErrors: [] } };
    render(<Segment answer={answer} />);
    expect(screen.getByText("No condition: every customer.")).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Add condition" }));
    await userEvent.type(screen.getByLabelText("Value 1"), "500");
    await userEvent.click(screen.getByRole("button", { name: "Add condition" }));
    await userEvent.selectOptions(screen.getByLabelText("Condition 2"), "consent");
    await userEvent.click(screen.getAllByLabelText("not")[1]);
    await userEvent.selectOptions(screen.getByLabelText("Customers who match"), "any");
    expect(JSON.parse(screen.getByTestId("filter").textContent ?? "null")).toEqual({
      any: [{ balance: { gte: 500 } }, { not: { consent: { email: true } } }],
    });
    await waitFor(() => expect(screen.getByText("customers match now", { exact: false })).toBeTruthy(), { timeout: 2000 });
    expect(screen.getByText("7")).toBeTruthy();
  });
});
