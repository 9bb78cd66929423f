// The customer's sign-in: a JWT issued by the shop's own login. It arrives in the address's
// fragment (/console/me#token=<jwt>, never sent to any server), is kept in sessionStorage for
// the tab, and is taken out of the address bar at once, so it is not bookmarked, shared or
// left in the history.

const KEY = "tessera.customer-token";
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function looksLikeJwt(text: string): boolean {
  return JWT.test(text.trim());
}

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token.trim());
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

/** The token of `#token=<jwt>` in the address, if any: stored, and removed from the address
 * bar (the rest of the fragment is kept). Then the stored one. */
export function takeTokenFromUrl(): string | null {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  const given = fragment.get("token");
  if (given !== null) {
    fragment.delete("token");
    const rest = fragment.toString();
    const clean = window.location.pathname + window.location.search + (rest ? `#${rest}` : "");
    window.history.replaceState(window.history.state, "", clean);
    if (looksLikeJwt(given)) storeToken(given);
  }
  return storedToken();
}

/** A fresh idempotency key for one claim (crypto.randomUUID needs a secure context; a shop on
 * plain http in its own network has only getRandomValues). */
export function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
