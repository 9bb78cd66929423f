import type { CombinedError } from "urql";

/** A failed request (network, refusal, server error) in words, with the server's code. */
export function RequestError({ error }: { error: CombinedError | undefined }) {
  if (!error) return null;
  const codes = error.graphQLErrors
    .map((e) => e.extensions?.code)
    .filter((code): code is string => typeof code === "string");
  const message = error.graphQLErrors.length
    ? error.graphQLErrors.map((e) => e.message).join("; ")
    : "The server could not be reached.";
  return (
    <p className="request-error" role="alert">
      {codes.includes("FORBIDDEN") ? "Your role may not do this. " : null}
      {message}
    </p>
  );
}
