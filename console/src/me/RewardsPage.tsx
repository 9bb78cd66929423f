import { useId, useState } from "react";
import { useMutation, useQuery } from "urql";
import {
  ClaimMyRewardDocument,
  MyRewardsDocument,
  MyVouchersDocument,
  type ClaimMyRewardMutation,
  type MyRewardsQuery,
} from "../generated/graphql";
import { FormErrors } from "../ui/forms";
import { RequestError } from "../ui/RequestError";
import { formatPoints } from "../ui/format";
import { newKey } from "./token";
import { dayOf, reasonInWords, voucherStatus, voucherValue } from "./words";

type Standing = NonNullable<MyRewardsQuery["me"]>["rewards"][number];
type Claimed = NonNullable<ClaimMyRewardMutation["claimReward"]["voucher"]>;

/** The rewards the customer's points buy (claimed here for a voucher), and their vouchers. */
export function RewardsPage() {
  const [{ data, fetching, error }, refetchRewards] = useQuery({ query: MyRewardsDocument });
  const [vouchersVersion, setVouchersVersion] = useState(0);
  const me = data?.me;
  const claimed = () => {
    refetchRewards({ requestPolicy: "network-only" });
    setVouchersVersion((v) => v + 1);
  };
  return (
    <>
      <section className="me-card" aria-labelledby="rewards-heading">
        <h2 id="rewards-heading">Rewards</h2>
        <RequestError error={error} />
        {!me ? (
          fetching ? <p className="me-muted">Loading the rewards…</p> : null
        ) : (
          <>
            <p>
              You have <strong>{formatPoints(me.points.spendable)} points</strong> to spend.
            </p>
            {me.rewards.length ? (
              <ul className="me-rewards">
                {me.rewards.map((standing) => (
                  <RewardCard key={standing.reward.id} standing={standing} onClaimed={claimed} />
                ))}
              </ul>
            ) : (
              <p className="me-muted">The shop has no rewards on offer right now.</p>
            )}
          </>
        )}
      </section>
      <Vouchers key={vouchersVersion} />
    </>
  );
}

function RewardCard({ standing, onClaimed }: { standing: Standing; onClaimed: () => void }) {
  const { reward } = standing;
  const headingId = useId();
  const [confirming, setConfirming] = useState(false);
  // One key per claim the customer confirms: a retry after a lost answer claims once.
  const [key, setKey] = useState(newKey);
  const [voucher, setVoucher] = useState<Claimed | null>(null);
  const [{ data, fetching, error }, claim] = useMutation(ClaimMyRewardDocument);
  const userErrors = data?.claimReward.userErrors;
  const confirm = async () => {
    const result = await claim({ rewardId: reward.id, idempotencyKey: key });
    const payload = result.data?.claimReward;
    if (payload && !payload.userErrors.length) {
      setVoucher(payload.voucher);
      setConfirming(false);
      setKey(newKey());
      onClaimed();
    }
  };
  const progress = reward.costPoints > 0 ? Math.max(0, reward.costPoints - standing.pointsNeeded) : 0;
  return (
    <li className="me-reward" aria-labelledby={headingId}>
      <div className="me-reward-head">
        <h3 id={headingId}>{reward.name}</h3>
        <span className="me-cost">{formatPoints(reward.costPoints)} points</span>
      </div>
      {reward.description ? <p>{reward.description}</p> : null}
      {voucher ? (
        <div className="me-claimed" role="status">
          <p>
            <strong>Claimed!</strong> Show this code at the till or enter it at checkout:
          </p>
          <p className="me-code">{voucher.code}</p>
          <p className="me-muted">
            {voucherValue(voucher)}
            {voucher.validUntil ? `, valid until ${dayOf(voucher.validUntil)}` : ""}
          </p>
        </div>
      ) : null}
      {standing.claimable ? (
        confirming ? (
          <div className="me-confirm" role="group" aria-label={`Claim ${reward.name}`}>
            <p>
              Trade {formatPoints(reward.costPoints)} of your points for {reward.name}?
            </p>
            <div className="me-buttons">
              <button type="button" onClick={confirm} disabled={fetching}>
                {fetching ? "Claiming…" : "Yes, claim it"}
              </button>
              <button type="button" className="secondary" onClick={() => setConfirming(false)} disabled={fetching}>
                Cancel
              </button>
            </div>
          </div>
        ) : (
          <button type="button" className="me-wide" onClick={() => setConfirming(true)}>
            Claim {reward.name}
          </button>
        )
      ) : (
        <>
          {standing.pointsNeeded > 0 && reward.costPoints > 0 ? (
            <div className="me-progress">
              <progress max={reward.costPoints} value={progress} aria-labelledby={`${headingId}-needed`} />
              <span id={`${headingId}-needed`}>
                {formatPoints(standing.pointsNeeded)} more points to go
              </span>
            </div>
          ) : null}
          {standing.reasons
            .filter((reason) => reason !== "INSUFFICIENT_POINTS")
            .map((reason) => (
              <p key={reason} className="me-muted">
                {reasonInWords(reason)}
              </p>
            ))}
        </>
      )}
      <RequestError error={error} />
      <FormErrors errors={userErrors} />
    </li>
  );
}

/** The customer's vouchers: the ones ready to use, or all of them. */
function Vouchers() {
  const [all, setAll] = useState(false);
  const [{ data, fetching, error }] = useQuery({
    query: MyVouchersDocument,
    variables: { first: 20, status: all ? null : "ACTIVE" },
    requestPolicy: "cache-and-network",
  });
  const vouchers = data?.me?.vouchers.nodes;
  const toggleId = useId();
  return (
    <section className="me-card" aria-labelledby="vouchers-heading">
      <h2 id="vouchers-heading">Your vouchers</h2>
      <div className="me-check">
        <input id={toggleId} type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
        <label htmlFor={toggleId}>Show used and expired vouchers too</label>
      </div>
      <RequestError error={error} />
      {!vouchers ? (
        fetching ? <p className="me-muted">Loading your vouchers…</p> : null
      ) : vouchers.length === 0 ? (
        <p className="me-muted">{all ? "You have no vouchers yet." : "No voucher ready to use. Claim a reward to get one."}</p>
      ) : (
        <ul className="me-vouchers">
          {vouchers.map((voucher) => (
            <li key={voucher.code} className={`me-voucher ${voucher.status === "ACTIVE" ? "" : "me-voucher-done"}`}>
              <span className="me-code">{voucher.code}</span>
              <span>{voucherValue(voucher)}</span>
              <span className="me-muted">
                {voucherStatus(voucher.status)}
                {voucher.validUntil ? `, until ${dayOf(voucher.validUntil)}` : ""}
                {voucher.maxUses && voucher.maxUses > 1 ? `, used ${voucher.uses} of ${voucher.maxUses}` : ""}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
