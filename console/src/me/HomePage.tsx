import { Link } from "react-router";
import { useQuery } from "urql";
import { MyAreaDocument } from "../generated/graphql";
import { RequestError } from "../ui/RequestError";
import { formatPoints } from "../ui/format";
import { BadgeIcon, MovementLine } from "./parts";
import { dayOf } from "./words";

const EXPIRING_WITHIN_DAYS = 30;

/** The home: the shop's word, the balance and what expires soon, the latest movements, the
 * badges and the rewards, in one request. */
export function HomePage() {
  const [{ data, fetching, error }] = useQuery({
    query: MyAreaDocument,
    variables: { expiringWithinDays: EXPIRING_WITHIN_DAYS, historySize: 5 },
  });
  const me = data?.me;
  if (!me) {
    return (
      <>
        <RequestError error={error} />
        {fetching ? <p className="me-muted" role="status">Loading your points…</p> : null}
      </>
    );
  }
  const introduction = data.customerArea.introduction?.trim();
  const expiring = me.points.expiringSoon;
  const claimable = me.rewards.filter((r) => r.claimable).length;
  return (
    <>
      <RequestError error={error} />
      {introduction ? (
        <section className="me-card me-intro" aria-label="From the shop">
          {introduction.split(/\n\s*\n/).map((paragraph, i) => (
            <p key={i}>{paragraph}</p>
          ))}
        </section>
      ) : null}

      <section className="me-card me-balance" aria-labelledby="balance-heading">
        <h2 id="balance-heading">Your points</h2>
        <p className="me-big" data-testid="balance">
          {formatPoints(me.points.balance)} <span>points</span>
        </p>
        <dl className="me-facts">
          <div>
            <dt>To spend now</dt>
            <dd>{formatPoints(me.points.spendable)}</dd>
          </div>
          {me.points.held ? (
            <div>
              <dt>Held for an order</dt>
              <dd>{formatPoints(me.points.held)}</dd>
            </div>
          ) : null}
          <div>
            <dt>Earned in all</dt>
            <dd>{formatPoints(me.points.lifetimeEarned)}</dd>
          </div>
        </dl>
        <h3>Expiring soon</h3>
        {expiring.length ? (
          <ul className="me-expiring">
            {expiring.map((lot) => (
              <li key={lot.date}>
                <strong>{formatPoints(lot.points)} points</strong> expire on {dayOf(lot.date)}
              </li>
            ))}
          </ul>
        ) : (
          <p className="me-muted">None of your points expire in the next {EXPIRING_WITHIN_DAYS} days.</p>
        )}
      </section>

      <section className="me-card" aria-labelledby="latest-heading">
        <h2 id="latest-heading">Latest activity</h2>
        {me.ledger.nodes.length ? (
          <ol className="me-movements">
            {me.ledger.nodes.map((movement, i) => (
              <MovementLine key={`${movement.createdAt}-${i}`} movement={movement} />
            ))}
          </ol>
        ) : (
          <p className="me-muted">No activity yet: your points show here after your first purchase.</p>
        )}
        <Link to="/me/history" className="me-more">
          All your history
        </Link>
      </section>

      <section className="me-card" aria-labelledby="home-rewards-heading">
        <h2 id="home-rewards-heading">Rewards</h2>
        {me.rewards.length ? (
          <>
            <p>
              {claimable
                ? `You can claim ${claimable} ${claimable === 1 ? "reward" : "rewards"} now.`
                : "Keep collecting: here is how close you are."}
            </p>
            <ul className="me-plain-list">
              {me.rewards.slice(0, 3).map((standing) => (
                <li key={standing.reward.id} className="me-reward-line">
                  <span>{standing.reward.name}</span>
                  <span className="me-muted">
                    {standing.claimable
                      ? `${formatPoints(standing.reward.costPoints)} points: ready`
                      : `${formatPoints(standing.pointsNeeded)} more points`}
                  </span>
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p className="me-muted">The shop has no rewards on offer right now.</p>
        )}
        <Link to="/me/rewards" className="me-more">
          Rewards and vouchers
        </Link>
      </section>

      <section className="me-card" aria-labelledby="home-badges-heading">
        <h2 id="home-badges-heading">Badges</h2>
        {me.badges.unlocked.length ? (
          <ul className="me-chips">
            {me.badges.unlocked.map((held) => (
              <li key={held.badge.title} className="me-chip">
                <BadgeIcon url={held.badge.iconUrl} />
                {held.badge.title}
              </li>
            ))}
          </ul>
        ) : (
          <p className="me-muted">No badge yet.</p>
        )}
        {me.badges.next.length ? (
          <p>
            Next: <strong>{me.badges.next[0].badge.title}</strong>, {formatPoints(me.badges.next[0].pointsNeeded)} more
            points.
          </p>
        ) : null}
        <Link to="/me/badges" className="me-more">
          Your badges
        </Link>
      </section>
    </>
  );
}
