import { useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { LoginDocument } from "../generated/graphql";
import { Field, FormErrors, errorFor } from "../ui/forms";
import { RequestError } from "../ui/RequestError";
import { useSession } from "./session";

export function SignInPage() {
  const { signIn, endedBecause } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [result, login] = useMutation(LoginDocument);
  const errors = result.data?.login.userErrors;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const answer = await login({ input: { email, password } });
    const session = answer.data?.login.session;
    if (session) {
      signIn({
        token: session.token,
        email: session.email,
        role: session.role.toLowerCase(),
        permissions: [...session.permissions],
        expiresAt: session.expiresAt,
      });
    }
  }

  return (
    <main className="sign-in" id="main">
      <h1>Sign in to Tessera</h1>
      {endedBecause ? <p role="status">{endedBecause}</p> : null}
      <form onSubmit={submit} aria-label="Sign in">
        <Field
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={errorFor(errors, "email")}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errorFor(errors, "password")}
        />
        <FormErrors errors={errors} fields={["email", "password"]} />
        {result.data?.login.retryAfterS ? (
          <p role="status">You can try again in {result.data.login.retryAfterS} seconds.</p>
        ) : null}
        <RequestError error={result.error} />
        <button type="submit" disabled={result.fetching}>
          {result.fetching ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
