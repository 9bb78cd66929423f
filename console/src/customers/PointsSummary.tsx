// The customer's points at a glance: the balance, what is held by checkouts and spendable,
// what expires soon, and the lifetime totals.
import type { Customer } from "./CustomerPage";
import { formatPoints } from "../ui/format";
import { formatDay } from "./labels";

export function PointsSummary({
  points,
  withinDays,
}: {
  points: Customer["points"];
  withinDays: number;
}) {
  const expiring = points.expiringSoon.reduce((sum, day) => sum + day.points, 0);
  const first = points.expiringSoon[0];
  return (
    <section aria-labelledby="points-heading" className="points">
      <h2 id="points-heading" className="visually-hidden">
        Points
      </h2>
      <dl className="stats">
        <div className="stat main">
          <dt>Balance</dt>
          <dd data-testid="balance">{formatPoints(points.balance)}</dd>
        </div>
        <div className="stat">
          <dt>Spendable</dt>
          <dd>{formatPoints(points.spendable)}</dd>
        </div>
        <div className="stat">
          <dt>Held by checkouts</dt>
          <dd>{formatPoints(points.held)}</dd>
        </div>
        <div className="stat">
          <dt>Expiring within {withinDays} days</dt>
          <dd>
            {formatPoints(expiring)}
            {first ? <small>first {formatPoints(first.points)} on {formatDay(first.date)}</small> : null}
          </dd>
        </div>
        <div className="stat">
          <dt>Lifetime</dt>
          <dd className="lifetime">
            <small>earned {formatPoints(points.lifetimeEarned)}</small>
            <small>spent {formatPoints(points.lifetimeSpent)}</small>
            <small>expired {formatPoints(points.lifetimeExpired)}</small>
          </dd>
        </div>
      </dl>
    </section>
  );
}
