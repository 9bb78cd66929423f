// The GraphQL client: every request goes to /graphql with the session's bearer token. A
// request the server refuses as UNAUTHENTICATED (expired, idle or revoked session) ends the
// session, so the console shows the sign-in page instead of failing field by field.
import { Client, cacheExchange, fetchExchange, mapExchange, type CombinedError } from "urql";

export function unauthenticated(error: CombinedError): boolean {
  if (error.response && (error.response as Response).status === 401) return true;
  return error.graphQLErrors.some((e) => e.extensions?.code === "UNAUTHENTICATED");
}

export function makeClient(token: () => string | null, onUnauthenticated: () => void): Client {
  return new Client({
    url: "/graphql",
    preferGetMethod: false,
    requestPolicy: "cache-and-network",
    exchanges: [
      mapExchange({
        onError(error) {
          if (token() && unauthenticated(error)) onUnauthenticated();
        },
      }),
      cacheExchange,
      fetchExchange,
    ],
    fetchOptions: (): RequestInit => {
      const bearer = token();
      const headers: Record<string, string> = bearer ? { authorization: `Bearer ${bearer}` } : {};
      return { headers };
    },
  });
}
