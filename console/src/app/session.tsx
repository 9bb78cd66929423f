// Who is signed in: the session token from the `login` mutation, with the role and the
// permissions it grants. Kept in sessionStorage, so a reload keeps the session and closing
// the tab ends it; the server enforces the idle timeout and refuses what the role may not do.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";

export type Session = {
  token: string;
  email: string;
  role: string;
  permissions: string[];
  expiresAt: string;
};

const KEY = "tessera.session";

function stored(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

type SessionState = {
  session: Session | null;
  /** Why the last session ended, shown on the sign-in page ("expired", "signed out"). */
  endedBecause: string | null;
  signIn: (session: Session) => void;
  signOut: (reason?: string) => void;
  can: (permission: string) => boolean;
};

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(stored);
  const [endedBecause, setEndedBecause] = useState<string | null>(null);
  const signIn = useCallback((next: Session) => {
    sessionStorage.setItem(KEY, JSON.stringify(next));
    setEndedBecause(null);
    setSession(next);
  }, []);
  const signOut = useCallback((reason?: string) => {
    sessionStorage.removeItem(KEY);
    setEndedBecause(reason ?? null);
    setSession(null);
  }, []);
  const value = useMemo<SessionState>(
    () => ({
      session,
      endedBecause,
      signIn,
      signOut,
      can: (permission) => session?.permissions.includes(permission) ?? false,
    }),
    [session, endedBecause, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error("useSession outside SessionProvider");
  return state;
}

/** The bearer token of the current session, for the GraphQL client. */
export function currentToken(): string | null {
  return stored()?.token ?? null;
}
