import { Suspense, lazy, useMemo } from "react";
import { BrowserRouter, Navigate, Route, Routes } from "react-router";
import { Provider } from "urql";
import { makeClient } from "./client";
import { FEATURES, allowed } from "./features";
import { Layout } from "./Layout";
import { SessionProvider, currentToken, useSession } from "./session";
import { ShopMoney } from "./ShopMoney";
import { SignInPage } from "./SignInPage";
import { Loading } from "../ui/Loading";

function StaffConsole() {
  const { session, signOut, can } = useSession();
  // A new client per session: nothing cached for one user is shown to the next.
  const client = useMemo(
    () => makeClient(currentToken, () => signOut("Your session has ended: sign in again.")),
    [session?.token, signOut],
  );
  const pages = FEATURES.filter((feature) => allowed(feature, can));
  return (
    <Provider value={client}>
      {!session ? (
        <SignInPage />
      ) : (
      <ShopMoney>
      <Routes>
        <Route element={<Layout pages={pages} />}>
          {pages.map((feature) => (
            <Route
              key={feature.path}
              path={`${feature.path}/*`}
              element={
                <Suspense fallback={<Loading />}>
                  <feature.page />
                </Suspense>
              }
            />
          ))}
          <Route
            path="*"
            element={pages.length ? <Navigate to={`/${pages[0].path}`} replace /> : <NoPages />}
          />
        </Route>
      </Routes>
      </ShopMoney>
      )}
    </Provider>
  );
}

// The customer area: a customer signed in with the shop's JWT, outside the staff session.
const CustomerArea = lazy(() => import("../me/CustomerArea"));

function NoPages() {
  return <p role="status">Your role has no console pages.</p>;
}

export function App() {
  return (
    <BrowserRouter basename="/console">
      <Routes>
        <Route
          path="me/*"
          element={
            <Suspense fallback={<Loading />}>
              <CustomerArea />
            </Suspense>
          }
        />
        <Route
          path="*"
          element={
            <SessionProvider>
              <StaffConsole />
            </SessionProvider>
          }
        />
      </Routes>
    </BrowserRouter>
  );
}
