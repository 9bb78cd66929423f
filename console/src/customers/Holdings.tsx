// What the customer holds: badges (and the next ones), rewards within reach, vouchers.
import type { Customer } from "./CustomerPage";
import { formatDate, formatPoints } from "../ui/format";
import { voucherValue } from "./labels";

export function BadgesSection({ badges }: { badges: Customer["badges"] }) {
  return (
    <section className="card" aria-labelledby="badges-heading">
      <h2 id="badges-heading">Badges</h2>
      {badges.unlocked.length === 0 ? (
        <p className="hint">No badge yet.</p>
      ) : (
        <ul className="chips">
          {badges.unlocked.map(({ badge, unlockedAt }) => (
            <li key={badge.id} className="chip" title={badge.description ?? undefined}>
              <strong>{badge.title}</strong> <small>since {formatDate(unlockedAt)}</small>
            </li>
          ))}
        </ul>
      )}
      {badges.next.length ? (
        <>
          <h3>Next</h3>
          <ul className="plain">
            {badges.next.slice(0, 3).map(({ badge, pointsNeeded }) => (
              <li key={badge.id}>
                {badge.title}: {formatPoints(pointsNeeded)} points to go
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

const REASONS = {
  INSUFFICIENT_POINTS: "not enough points",
  OUT_OF_STOCK: "out of stock",
  LIMIT_REACHED: "limit reached",
} as const;

export function RewardsSection({ rewards }: { rewards: Customer["rewards"] }) {
  return (
    <section className="card" aria-labelledby="rewards-heading">
      <h2 id="rewards-heading">Rewards</h2>
      {rewards.length === 0 ? (
        <p className="hint">No active reward in the catalogue.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Reward</th>
                <th scope="col" className="num">Cost</th>
                <th scope="col">Now</th>
                <th scope="col" className="num">Claimed</th>
              </tr>
            </thead>
            <tbody>
              {rewards.map((r) => (
                <tr key={r.reward.id}>
                  <td>{r.reward.name}</td>
                  <td className="num">{formatPoints(r.reward.costPoints)}</td>
                  <td>
                    {r.claimable
                      ? "Can be claimed"
                      : r.pointsNeeded > 0
                        ? `${formatPoints(r.pointsNeeded)} points to go`
                        : r.reasons.map((reason) => REASONS[reason]).join(", ")}
                  </td>
                  <td className="num">{r.claimed}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const VOUCHER_STATUS = {
  ACTIVE: "Active",
  USED_UP: "Used",
  EXPIRED: "Expired",
  NOT_YET_VALID: "Not yet valid",
  DISABLED: "Disabled",
} as const;
const VOUCHER_SOURCE = { BATCH: "Assigned", CONVERSION: "Bought with points", REWARD: "Reward" } as const;

export function VouchersSection({ vouchers }: { vouchers: Customer["vouchers"] }) {
  return (
    <section className="card" aria-labelledby="vouchers-heading">
      <h2 id="vouchers-heading">Vouchers</h2>
      {vouchers.nodes.length === 0 ? (
        <p className="hint">No voucher assigned to this customer.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Code</th>
                <th scope="col">Value</th>
                <th scope="col">From</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">Uses</th>
                <th scope="col">Valid until</th>
              </tr>
            </thead>
            <tbody>
              {vouchers.nodes.map((v) => (
                <tr key={v.id}>
                  <td>
                    <code>{v.code}</code>
                  </td>
                  <td>{voucherValue(v)}</td>
                  <td>{VOUCHER_SOURCE[v.source]}</td>
                  <td>{VOUCHER_STATUS[v.status]}</td>
                  <td className="num">
                    {v.uses}
                    {v.maxUses !== null ? ` / ${v.maxUses}` : ""}
                  </td>
                  <td>{v.validUntil ? formatDate(v.validUntil) : "No end"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {vouchers.pageInfo.hasNextPage ? <p className="hint">The 10 newest vouchers.</p> : null}
    </section>
  );
}
