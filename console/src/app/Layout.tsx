import { NavLink, Outlet } from "react-router";
import type { Feature } from "./features";
import { SignOutButton } from "./SignOutButton";
import { useSession } from "./session";

export function Layout({ pages }: { pages: Feature[] }) {
  const { session } = useSession();
  return (
    <div className="shell">
      <header className="topbar">
        <a className="skip" href="#main">
          Skip to content
        </a>
        <span className="brand">Tessera</span>
        <nav aria-label="Console">
          <ul>
            {pages.map((page) => (
              <li key={page.path}>
                <NavLink to={`/${page.path}`}>{page.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          {session?.email} <span className="role">({session?.role})</span>
        </span>
        <SignOutButton />
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
