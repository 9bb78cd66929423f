// The palette writes a shortcode where the cursor is, in the part last focused, and gives
// the focus and the caret back to that part, as a marketer expects from any editor.
import { useCallback, useState } from "react";
import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { PartField } from "./PartField";
import { ShortcodeList, type Shortcode } from "./ShortcodePalette";
import { useInsertion } from "./useInsertion";

const SHORTCODES: Shortcode[] = [
  { name: "points", code: "[points]", kind: "NUMBER", meaning: "the customer's points balance", example: "1,234" },
  { name: "first_name", code: "[first_name]", kind: "TEXT", meaning: "the customer's first name", example: "Ann" },
];

function Editor({ initial }: { initial: Record<string, string> }) {
  const [parts, setParts] = useState(initial);
  const write = useCallback((key: string, value: string) => setParts((p) => ({ ...p, [key]: value })), []);
  const insertion = useInsertion("body", write);
  return (
    <>
      {Object.keys(parts).map((key) => (
        <PartField
          key={key}
          name={key}
          label={key}
          oneLine={key === "subject"}
          value={parts[key]}
          inputRef={insertion.register(key)}
          onFocus={() => insertion.focused(key)}
          onChange={(value) => write(key, value)}
        />
      ))}
      <p>into {insertion.target}</p>
      <ShortcodeList shortcodes={SHORTCODES} onInsert={insertion.insert} />
    </>
  );
}

describe("the shortcode palette", () => {
  it("inserts at the cursor of the body and leaves the caret after the shortcode", async () => {
    const user = userEvent.setup();
    render(<Editor initial={{ subject: "Hello", body: "You have  points." }} />);
    const body = screen.getByLabelText("body") as HTMLTextAreaElement;
    body.focus();
    body.setSelectionRange(9, 9);
    await user.click(screen.getByRole("button", { name: /Insert \[points\]/ }));
    expect(body.value).toBe("You have [points] points.");
    expect(document.activeElement).toBe(body);
    expect([body.selectionStart, body.selectionEnd]).toEqual([17, 17]);
    // Typing goes on from the caret
    await user.keyboard("!");
    expect(body.value).toBe("You have [points]! points.");
  });

  it("replaces a selection, in the part focused last (the subject)", async () => {
    const user = userEvent.setup();
    render(<Editor initial={{ subject: "Hello NAME", body: "" }} />);
    const subject = screen.getByLabelText("subject") as HTMLInputElement;
    await user.click(subject);
    subject.setSelectionRange(6, 10);
    expect(screen.getByText("into subject")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: /Insert \[first_name\]/ }));
    expect(subject.value).toBe("Hello [first_name]");
    expect((screen.getByLabelText("body") as HTMLTextAreaElement).value).toBe("");
    expect(document.activeElement).toBe(subject);
  });

  it("goes to the main body before any part was focused, by keyboard alone", async () => {
    const user = userEvent.setup();
    render(<Editor initial={{ subject: "", body: "Hi" }} />);
    const button = screen.getByRole("button", { name: /Insert \[first_name\]/ });
    button.focus();
    await user.keyboard("{Enter}");
    const body = screen.getByLabelText("body") as HTMLTextAreaElement;
    expect(body.value).toBe("Hi[first_name]");
    expect(document.activeElement).toBe(body);
  });
});
