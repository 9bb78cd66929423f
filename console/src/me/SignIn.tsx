import { useState, type FormEvent } from "react";
import { Field } from "../ui/forms";
import { looksLikeJwt } from "./token";

/** Without a token: the shop's app links here with one; it can also be pasted. */
export function SignIn({ endedBecause, onSignIn }: { endedBecause: string | null; onSignIn: (token: string) => void }) {
  const [text, setText] = useState("");
  const [problem, setProblem] = useState<string | undefined>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return setProblem("Paste the token the shop's app gave you.");
    if (!looksLikeJwt(text)) return setProblem("This is not a sign-in token: it has three parts separated by dots.");
    setProblem(undefined);
    onSignIn(text);
  };
  return (
    <div className="me-card me-sign-in">
      <h1>Your points and rewards</h1>
      {endedBecause ? (
        <p role="status" className="me-notice">
          {endedBecause}
        </p>
      ) : null}
      <p>
        Open this page from the shop's app or website while signed in there: it brings you here signed in. If the
        shop gave you a sign-in token instead, paste it below.
      </p>
      <form onSubmit={submit} noValidate>
        <Field
          label="Sign-in token"
          value={text}
          onChange={(e) => setText(e.target.value)}
          error={problem}
          autoComplete="off"
          spellCheck={false}
          hint="It stays in this tab only, until you close it or sign out."
        />
        <button type="submit" className="me-wide">
          Open my account
        </button>
      </form>
    </div>
  );
}
