// The customer area (/console/me): what a customer signed in with the shop's own JWT sees on
// a phone: points, history, rewards and vouchers, badges, and how the shop may contact them.
// It has its own GraphQL client (the bearer is the customer's JWT) and nothing of the staff
// session; a shop building its own app can read it as a reference.
import { useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import { NavLink, Navigate, Route, Routes } from "react-router";
import { Provider, useQuery } from "urql";
import { makeClient } from "../app/client";
import { MyPointsDocument, MyShopDocument } from "../generated/graphql";
import { setShopMoney } from "../ui/format";
import { RequestError } from "../ui/RequestError";
import { BadgesPage } from "./BadgesPage";
import { HistoryPage } from "./HistoryPage";
import { HomePage } from "./HomePage";
import { PreferencesPage } from "./PreferencesPage";
import { RewardsPage } from "./RewardsPage";
import { SignIn } from "./SignIn";
import { forgetToken, storeToken, takeTokenFromUrl } from "./token";
import "./me.css";

const EXPIRED = "Your sign-in has ended or is not valid. Open the link from the shop's app again, or paste a new token.";

export default function CustomerArea() {
  const [token, setToken] = useState<string | null>(takeTokenFromUrl);
  const [endedBecause, setEndedBecause] = useState<string | null>(null);
  const signOut = useCallback((reason: string) => {
    forgetToken();
    setEndedBecause(reason);
    setToken(null);
  }, []);
  // A new client per token: nothing cached for one customer is shown to the next.
  const client = useMemo(() => (token ? makeClient(() => token, () => signOut(EXPIRED)) : null), [token, signOut]);
  useEffect(() => {
    document.title = "Your points";
  }, []);

  if (!token || !client) {
    return (
      <Shell>
        <SignIn
          endedBecause={endedBecause}
          onSignIn={(given) => {
            storeToken(given);
            setEndedBecause(null);
            setToken(given.trim());
          }}
        />
      </Shell>
    );
  }
  return (
    <Provider value={client}>
      <Shell signOut={() => signOut("You signed out.")}>
        <Account>
          <Routes>
            <Route index element={<HomePage />} />
            <Route path="history" element={<HistoryPage />} />
            <Route path="rewards" element={<RewardsPage />} />
            <Route path="badges" element={<BadgesPage />} />
            <Route path="preferences" element={<PreferencesPage />} />
            <Route path="*" element={<Navigate to="/me" replace />} />
          </Routes>
        </Account>
      </Shell>
    </Provider>
  );
}

function Shell({ children, signOut }: { children: ReactNode; signOut?: () => void }) {
  return (
    <div className="me">
      <header className="me-top">
        <div className="me-top-inner">
          <a className="skip" href="#me-main">
            Skip to content
          </a>
          <span className="me-brand">Your loyalty account</span>
          {signOut ? (
            <button type="button" className="secondary small" onClick={signOut}>
              Sign out
            </button>
          ) : null}
        </div>
      </header>
      <main id="me-main" tabIndex={-1} className="me-main">
        {children}
      </main>
    </div>
  );
}

// Absolute (under the /console basename): relative links in a splat route resolve against the
// whole path.
const SECTIONS = [
  { to: "/me", label: "Home", end: true },
  { to: "/me/history", label: "History" },
  { to: "/me/rewards", label: "Rewards" },
  { to: "/me/badges", label: "Badges" },
  { to: "/me/preferences", label: "Preferences" },
];

/** The greeting and the sections, once the token is known to be a customer's. */
function Account({ children }: { children: ReactNode }) {
  const [{ data, fetching, error }] = useQuery({ query: MyPointsDocument });
  const [shopAnswer] = useQuery({ query: MyShopDocument });
  const shop = shopAnswer.data?.shop;
  if (!data || !shop) {
    return (
      <>
        <RequestError error={error ?? shopAnswer.error} />
        {fetching || shopAnswer.fetching ? (
          <p className="me-muted" role="status">
            Opening your account…
          </p>
        ) : null}
      </>
    );
  }
  // Set before the pages render (a voucher's value in the shop's money); the same every time.
  setShopMoney({ currency: shop.currency, digits: shop.currencyDigits });
  if (!data.me) {
    return (
      <div className="me-card" role="alert">
        <h1>No account found</h1>
        <p>The shop has no loyalty account for this sign-in. Sign out, and open the link from the shop's app again.</p>
      </div>
    );
  }
  return (
    <>
      <div className="me-hello">
        <h1>Hi{data.me.firstName ? ` ${data.me.firstName}` : ""}</h1>
        <span className="me-tier">{data.me.category.name} member</span>
      </div>
      <nav className="me-nav" aria-label="Your account">
        <ul>
          {SECTIONS.map((section) => (
            <li key={section.label}>
              <NavLink to={section.to} end={section.end}>
                {section.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      {children}
    </>
  );
}
