// Rewards: the catalogue customers claim with points, each issuing a single-use voucher
// (MANAGE_REWARDS).
import { useState, type FormEvent } from "react";
import { useQuery } from "urql";
import {
  CreateRewardDocument,
  RewardsDocument,
  UpdateRewardDocument,
  type CreateRewardMutation,
  type RewardKind,
  type RewardsQuery,
  type UpdateRewardMutation,
  type VoucherKind,
} from "../generated/graphql";
import { Checkbox, errorFor, Field, FormErrors, Select, TextArea } from "../ui/forms";
import { formatPoints } from "../ui/format";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { describeVoucher, plural } from "./describe";
import { Panel, Saved } from "./fields";
import { Checks } from "./parse";
import { newKey, useSave } from "./useSave";
import { VoucherValueFields, voucherValue, voucherValueFields } from "./VoucherValue";

type Reward = RewardsQuery["rewards"][number];
const REWARDS = { additionalTypenames: ["Reward"] };
const REWARD_KINDS: { value: RewardKind; label: string }[] = [
  { value: "FREE_PRODUCT", label: "Free product" },
  { value: "DISCOUNT", label: "Discount" },
  { value: "SERVICE", label: "Service" },
];
const VOUCHERS_OF: Record<RewardKind, VoucherKind[]> = {
  FREE_PRODUCT: ["GIFT_ITEM"],
  SERVICE: ["GIFT_ITEM"],
  DISCOUNT: ["FIXED_AMOUNT", "PERCENT"],
};
const createPayload = (data: CreateRewardMutation) => data.createReward;
const updatePayload = (data: UpdateRewardMutation) => data.updateReward;

export function RewardsArea() {
  const [{ data, fetching, error }] = useQuery({ query: RewardsDocument, context: REWARDS });
  return (
    <>
      <Panel title="Catalogue">
        {data ? (
          <RewardTable rewards={data.rewards} />
        ) : fetching ? (
          <Loading />
        ) : (
          <RequestError error={error} />
        )}
      </Panel>
      <CreateRewardForm />
    </>
  );
}

function RewardTable({ rewards }: { rewards: Reward[] }) {
  const toggle = useSave(UpdateRewardDocument, updatePayload);
  if (!rewards.length) return <p className="empty">No rewards yet: add the first below.</p>;
  return (
    <>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Reward</th>
              <th scope="col" className="num">
                Cost
              </th>
              <th scope="col">Issues</th>
              <th scope="col" className="num">
                Stock
              </th>
              <th scope="col" className="num">
                Per customer
              </th>
              <th scope="col" className="num">
                Claimed
              </th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rewards.map((reward) => (
              <tr key={reward.id}>
                <td>
                  <strong>{reward.name}</strong>
                  <br />
                  <small className="hint">
                    {REWARD_KINDS.find((k) => k.value === reward.kind)?.label}
                    {reward.description ? ` · ${reward.description}` : null}
                  </small>
                </td>
                <td className="num">{formatPoints(reward.costPoints)} pts</td>
                <td>
                  {describeVoucher(reward.voucher)}
                  {reward.voucher.validityDays !== null ? (
                    <small className="hint"> · valid {plural(reward.voucher.validityDays, "day")}</small>
                  ) : null}
                </td>
                <td className="num">{reward.stock === null ? "Unlimited" : formatPoints(reward.stock)}</td>
                <td className="num">{reward.perCustomerLimit ?? "No limit"}</td>
                <td className="num">{reward.claimed === null ? "—" : formatPoints(reward.claimed)}</td>
                <td>
                  <span className={reward.active ? "status-on" : "status-off"}>
                    {reward.active ? "Active" : "Withdrawn"}
                  </span>
                </td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="secondary"
                    disabled={toggle.saving}
                    onClick={() => void toggle.save({ input: { id: reward.id, active: !reward.active } })}
                    aria-label={`${reward.active ? "Withdraw" : "Offer again"} ${reward.name}`}
                  >
                    {reward.active ? "Withdraw" : "Offer again"}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <FormErrors errors={toggle.errors} />
      <RequestError error={toggle.requestError} />
    </>
  );
}

function CreateRewardForm() {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [kind, setKind] = useState<RewardKind>("FREE_PRODUCT");
  const [cost, setCost] = useState("");
  const [voucherKind, setVoucherKind] = useState<VoucherKind>("GIFT_ITEM");
  const [value, setValue] = useState("");
  const [validityDays, setValidityDays] = useState("");
  const [stock, setStock] = useState("");
  const [perCustomer, setPerCustomer] = useState("");
  const [active, setActive] = useState(true);
  const [key, setKey] = useState(newKey);
  const { errors, requestError, saving, saved, save } = useSave(CreateRewardDocument, createPayload);

  function chooseKind(next: RewardKind) {
    setKind(next);
    const allowed = VOUCHERS_OF[next];
    if (!allowed.includes(voucherKind)) {
      setVoucherKind(allowed[0]);
      setValue("");
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks();
    const input = {
      name: checks.required("name", name, "a name"),
      description: description.trim() || null,
      kind,
      costPoints: checks.whole("costPoints", cost, "the points it costs"),
      voucher: {
        kind: voucherKind,
        ...voucherValue(checks, voucherKind, value, "voucher."),
        validityDays: checks.optionalWhole("voucher.validityDays", validityDays),
      },
      stock: checks.optionalWhole("stock", stock),
      perCustomerLimit: checks.optionalWhole("perCustomerLimit", perCustomer),
      active,
      idempotencyKey: key,
    };
    if (await save({ input }, checks.errors)) {
      setName("");
      setDescription("");
      setCost("");
      setValue("");
      setValidityDays("");
      setStock("");
      setPerCustomer("");
      setKey(newKey());
    }
  }

  const fields = [
    "name",
    "description",
    "kind",
    "costPoints",
    ...voucherValueFields(voucherKind, "voucher."),
    "voucher.validityDays",
    "stock",
    "perCustomerLimit",
  ];
  return (
    <Panel
      title="Add a reward"
      description="A claim takes the points and issues a single-use voucher for the customer: a free product or service (a free item), or a discount (an amount or a percent off)."
    >
      <form onSubmit={submit} noValidate aria-label="Add a reward">
        <div className="form-grid">
          <Field
            label="Name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={errorFor(errors, "name")}
            autoComplete="off"
          />
          <Select
            label="Kind"
            value={kind}
            onChange={(e) => chooseKind(e.target.value as RewardKind)}
            options={REWARD_KINDS}
            error={errorFor(errors, "kind")}
          />
          <Field
            label="Cost (points)"
            inputMode="numeric"
            value={cost}
            onChange={(e) => setCost(e.target.value)}
            error={errorFor(errors, "costPoints")}
          />
          <VoucherValueFields
            kinds={VOUCHERS_OF[kind]}
            kind={voucherKind}
            onKind={(next) => {
              setVoucherKind(next);
              setValue("");
            }}
            value={value}
            onValue={setValue}
            errors={errors}
            prefix="voucher."
          />
          <Field
            label="Voucher valid for (days)"
            inputMode="numeric"
            value={validityDays}
            onChange={(e) => setValidityDays(e.target.value)}
            error={errorFor(errors, "voucher.validityDays")}
            hint="From the claim; empty: no end."
          />
          <Field
            label="Stock"
            inputMode="numeric"
            value={stock}
            onChange={(e) => setStock(e.target.value)}
            error={errorFor(errors, "stock")}
            hint="Empty: unlimited."
          />
          <Field
            label="Claims per customer"
            inputMode="numeric"
            value={perCustomer}
            onChange={(e) => setPerCustomer(e.target.value)}
            error={errorFor(errors, "perCustomerLimit")}
            hint="Empty: no limit."
          />
          <div className="wide">
            <TextArea
              label="Description"
              rows={3}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
              error={errorFor(errors, "description")}
              hint="Optional; customers see it in their area."
            />
          </div>
        </div>
        <Checkbox
          label="Customers can claim it now"
          checked={active}
          onChange={(e) => setActive(e.target.checked)}
        />
        <FormErrors errors={errors} fields={fields} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Add reward
          </button>
          <Saved show={saved !== null}>
            {saved?.createReward.reward ? `${saved.createReward.reward.name} was added.` : null}
          </Saved>
        </div>
      </form>
    </Panel>
  );
}
