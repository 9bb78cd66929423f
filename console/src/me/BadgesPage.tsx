import { useId } from "react";
import { useQuery } from "urql";
import { MyBadgesDocument, type BadgeBasis } from "../generated/graphql";
import { RequestError } from "../ui/RequestError";
import { formatPoints } from "../ui/format";
import { BadgeIcon } from "./parts";
import { dayOf } from "./words";

function basisInWords(basis: BadgeBasis): string {
  return basis === "LIFETIME" ? "points earned in all" : "points in your balance";
}

/** The badges unlocked, and how far the next ones are. */
export function BadgesPage() {
  const [{ data, fetching, error }] = useQuery({ query: MyBadgesDocument });
  const me = data?.me;
  return (
    <>
      <RequestError error={error} />
      {!me ? (
        fetching ? <p className="me-muted">Loading your badges…</p> : null
      ) : (
        <>
          <section className="me-card" aria-labelledby="unlocked-heading">
            <h2 id="unlocked-heading">Your badges</h2>
            {me.badges.unlocked.length ? (
              <ul className="me-badges">
                {me.badges.unlocked.map((held) => (
                  <li key={held.badge.id} className="me-badge">
                    <BadgeIcon url={held.badge.iconUrl} />
                    <div>
                      <h3>{held.badge.title}</h3>
                      {held.badge.description ? <p>{held.badge.description}</p> : null}
                      <p className="me-muted">
                        Since {dayOf(held.unlockedAt)}: {formatPoints(held.badge.minPoints)}
                        {held.badge.maxPoints === null ? "+" : `–${formatPoints(held.badge.maxPoints)}`}{" "}
                        {basisInWords(held.badge.basis)}
                      </p>
                    </div>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="me-muted">No badge yet: collect points to unlock the first.</p>
            )}
          </section>
          <section className="me-card" aria-labelledby="next-heading">
            <h2 id="next-heading">Next badges</h2>
            {me.badges.next.length ? (
              <ul className="me-badges">
                {me.badges.next.map((next) => (
                  <NextBadge key={next.badge.id} next={next} />
                ))}
              </ul>
            ) : (
              <p className="me-muted">You hold every badge there is.</p>
            )}
          </section>
        </>
      )}
    </>
  );
}

function NextBadge({
  next,
}: {
  next: { pointsNeeded: number; badge: { title: string; iconUrl: string | null; basis: BadgeBasis; minPoints: number } };
}) {
  const labelId = useId();
  const { badge } = next;
  return (
    <li className="me-badge">
      <BadgeIcon url={badge.iconUrl} />
      <div className="me-grow">
        <h3>{badge.title}</h3>
        <p id={labelId}>
          {formatPoints(next.pointsNeeded)} more {basisInWords(badge.basis)} to unlock it (from{" "}
          {formatPoints(badge.minPoints)}).
        </p>
        {badge.minPoints > 0 ? (
          <progress max={badge.minPoints} value={Math.max(0, badge.minPoints - next.pointsNeeded)} aria-labelledby={labelId} />
        ) : null}
      </div>
    </li>
  );
}
