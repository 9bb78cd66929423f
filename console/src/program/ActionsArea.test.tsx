import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { Provider, type Client } from "urql";
import { describe, expect, it } from "vitest";
import { fromValue } from "wonka";
import { ActionsArea, rowField } from "./ActionsArea";

describe("rowField", () => {
  it("names the row shown for the position sent", () => {
    expect(rowField("actions.1.points", [0, 2])).toBe("actions.2.points");
    expect(rowField("actions.0", [2])).toBe("actions.2");
    expect(rowField("actions", [0])).toBe("actions");
    expect(rowField(null, [0])).toBeNull();
  });
});

function clientAnswering(mutation: (variables: unknown) => unknown): Client {
  return {
    executeQuery: () =>
      fromValue({
        data: { earningActions: [{ action: "REGISTRATION", points: 50, active: true, oncePerCustomer: true }] },
      }),
    executeMutation: (operation: { variables: unknown }) =>
      fromValue({ data: mutation(operation.variables) }),
  } as unknown as Client;
}

describe("ActionsArea", () => {
  it("sends only configured actions or those given points, and shows errors on their row", async () => {
    const sent: unknown[] = [];
    const client = clientAnswering((variables) => {
      sent.push(variables);
      return {
        updateEarningActions: {
          actions: null,
          userErrors: [{ field: "actions.1.points", code: "OUT_OF_RANGE", message: "1 to 1000000 points." }],
        },
      };
    });
    render(
      <Provider value={client}>
        <ActionsArea />
      </Provider>,
    );
    fireEvent.change(screen.getByLabelText("Points for product review"), { target: { value: "0" } });
    fireEvent.click(screen.getByRole("button", { name: "Save actions" }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toEqual({
      input: {
        actions: [
          { action: "REGISTRATION", points: 50, oncePerCustomer: true, active: true },
          { action: "REVIEW", points: 0, oncePerCustomer: false, active: false },
        ],
      },
    });
    // The newsletter (never configured, no points) was not sent; the error of the second
    // action sent lands on the review's row.
    const review = await screen.findByLabelText("Points for product review");
    expect(review.getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByLabelText("Points for newsletter sign-up").getAttribute("aria-invalid")).toBeNull();
    expect(screen.getByRole("alert").textContent).toContain("1 to 1000000 points.");
  });
});
