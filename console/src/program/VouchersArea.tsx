// Voucher batches: the batches with their terms, a new batch of codes, each batch's codes as
// a CSV (fetched with the bearer token) or page by page, and a code reserved for a customer
// (MANAGE_VOUCHERS).
import { useState, type FormEvent } from "react";
import { useQuery } from "urql";
import {
  CreateVoucherBatchDocument,
  VoucherBatchesDocument,
  VouchersDocument,
  type CreateVoucherBatchMutation,
  type VoucherBatchesQuery,
  type VoucherKind,
  type VoucherStatus,
} from "../generated/graphql";
import { Field, FormErrors, errorFor } from "../ui/forms";
import { formatDate, formatMoney, formatPoints, moneyText } from "../ui/format";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { describeVoucher, plural } from "./describe";
import { downloadFile } from "../ui/download";
import { Panel, Saved } from "./fields";
import { Pager, useCursorPages } from "./Pager";
import { Checks } from "./parse";
import { AssignForm } from "./AssignVoucherForm";
import { newKey, useSave } from "./useSave";
import { VoucherValueFields, voucherValue, voucherValueFields } from "./VoucherValue";

type Batch = VoucherBatchesQuery["voucherBatches"]["nodes"][number];
const BATCHES = { additionalTypenames: ["VoucherBatch"] };
const CODES = { additionalTypenames: ["Voucher"] };
const PAGE = 20;
const KINDS: VoucherKind[] = ["FIXED_AMOUNT", "PERCENT", "GIFT_ITEM"];
const STATUS: Record<VoucherStatus, string> = {
  ACTIVE: "Active",
  DISABLED: "Disabled",
  EXPIRED: "Expired",
  NOT_YET_VALID: "Not yet valid",
  USED_UP: "Used up",
};

export function VouchersArea() {
  const pages = useCursorPages();
  const [{ data, fetching, error }] = useQuery({
    query: VoucherBatchesDocument,
    variables: { first: PAGE, after: pages.after },
    context: BATCHES,
  });
  const [shown, setShown] = useState<Batch | null>(null);
  const batches = data?.voucherBatches;
  return (
    <>
      <Panel title="Batches">
        {batches ? (
          <>
            <BatchTable batches={batches.nodes} shown={shown} onShow={setShown} />
            <Pager
              label="Batch pages"
              page={pages.page}
              hasNext={batches.pageInfo.hasNextPage}
              onNext={() => pages.next(batches.pageInfo.endCursor)}
              onPrevious={pages.previous}
            />
          </>
        ) : fetching ? (
          <Loading />
        ) : (
          <RequestError error={error} />
        )}
      </Panel>
      {shown ? <BatchCodes key={shown.id} batch={shown} onClose={() => setShown(null)} /> : null}
      <CreateBatchForm onCreated={pages.first} />
      <AssignForm />
    </>
  );
}

function validity(batch: Batch): string {
  if (!batch.validFrom && !batch.validUntil) return "Always";
  if (!batch.validUntil) return `From ${formatDate(batch.validFrom)}`;
  if (!batch.validFrom) return `Until ${formatDate(batch.validUntil)}`;
  return `${formatDate(batch.validFrom)} – ${formatDate(batch.validUntil)}`;
}

function BatchTable({
  batches,
  shown,
  onShow,
}: {
  batches: Batch[];
  shown: Batch | null;
  onShow: (batch: Batch) => void;
}) {
  const [downloading, setDownloading] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  async function download(batch: Batch) {
    setDownloading(batch.id);
    setProblem(null);
    try {
      await downloadFile(batch.csvPath, `voucher-batch-${batch.id}.csv`);
    } catch (error) {
      setProblem(`The codes of ${batch.name} could not be downloaded: ${(error as Error).message}`);
    } finally {
      setDownloading(null);
    }
  }

  if (!batches.length) return <p className="empty">No batches yet: make the first below.</p>;
  return (
    <>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Batch</th>
              <th scope="col" className="num">
                Codes
              </th>
              <th scope="col">Gives</th>
              <th scope="col">Valid</th>
              <th scope="col">Uses per code</th>
              <th scope="col">Made</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {batches.map((batch) => (
              <tr key={batch.id}>
                <td>
                  <strong>{batch.name}</strong>
                  <br />
                  <small className="hint">
                    <code>{batch.prefix || "(no prefix)"}</code>
                    {batch.minCartMinor ? ` · carts from ${formatMoney(batch.minCartMinor)}` : null}
                  </small>
                </td>
                <td className="num">{formatPoints(batch.count)}</td>
                <td>{describeVoucher(batch)}</td>
                <td>{validity(batch)}</td>
                <td>{batch.maxUses === null ? "Unlimited" : batch.maxUses === 1 ? "Single use" : batch.maxUses}</td>
                <td>{formatDate(batch.createdAt)}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => onShow(batch)}
                    aria-pressed={shown?.id === batch.id}
                    aria-label={`Show the codes of ${batch.name}`}
                  >
                    Codes
                  </button>
                  <button
                    type="button"
                    disabled={downloading === batch.id}
                    onClick={() => void download(batch)}
                    aria-busy={downloading === batch.id}
                    aria-label={`Download CSV of ${batch.name}`}
                  >
                    Download CSV
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {problem ? (
        <p className="request-error" role="alert">
          {problem}
        </p>
      ) : null}
    </>
  );
}

function BatchCodes({ batch, onClose }: { batch: Batch; onClose: () => void }) {
  const pages = useCursorPages();
  const [{ data, fetching, error }] = useQuery({
    query: VouchersDocument,
    variables: { first: PAGE, after: pages.after, filter: { batchId: batch.id } },
    context: CODES,
  });
  const codes = data?.vouchers;
  return (
    <Panel title={`Codes of ${batch.name}`}>
      {codes ? (
        <>
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Code</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Uses
                  </th>
                  <th scope="col">Assigned to</th>
                  <th scope="col">Last used</th>
                </tr>
              </thead>
              <tbody>
                {codes.edges.map(({ node }) => {
                  const last = node.redemptions.nodes[0];
                  return (
                    <tr key={node.code}>
                      <td>
                        <code>{node.code}</code>
                      </td>
                      <td>{STATUS[node.status]}</td>
                      <td className="num">
                        {node.uses}
                        {node.maxUses === null ? "" : ` / ${node.maxUses}`}
                      </td>
                      <td>
                        {node.customer
                          ? `${node.customer.firstName ?? "Customer"} (#${node.customer.id})`
                          : "Anyone"}
                      </td>
                      <td>
                        {last
                          ? `${formatDate(last.createdAt)}, order ${last.orderId}: ${formatMoney(last.discountMinor)} off${last.cancelledAt ? ", given back" : ""}`
                          : "Never"}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Pager
            label={`Pages of the codes of ${batch.name}`}
            page={pages.page}
            hasNext={codes.pageInfo.hasNextPage}
            onNext={() => pages.next(codes.pageInfo.endCursor)}
            onPrevious={pages.previous}
          />
        </>
      ) : fetching ? (
        <Loading what="Loading the codes" />
      ) : (
        <RequestError error={error} />
      )}
      <div className="actions">
        <button type="button" className="secondary" onClick={onClose}>
          Hide the codes
        </button>
      </div>
    </Panel>
  );
}

const createPayload = (data: CreateVoucherBatchMutation) => data.createVoucherBatch;

function CreateBatchForm({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const [count, setCount] = useState("100");
  const [kind, setKind] = useState<VoucherKind>("FIXED_AMOUNT");
  const [value, setValue] = useState("");
  const [validFrom, setValidFrom] = useState("");
  const [validUntil, setValidUntil] = useState("");
  const [maxUses, setMaxUses] = useState("1");
  const [minCart, setMinCart] = useState(moneyText(0));
  const [prefix, setPrefix] = useState("");
  const [codeLength, setCodeLength] = useState("");
  const [key, setKey] = useState(newKey);
  const { errors, requestError, saving, saved, save } = useSave(
    CreateVoucherBatchDocument,
    createPayload,
  );

  async function submit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks();
    const input = {
      name: checks.required("name", name, "a name"),
      count: checks.whole("count", count, "the number of codes"),
      kind,
      ...voucherValue(checks, kind, value),
      validFrom: checks.time("validFrom", validFrom),
      validUntil: checks.time("validUntil", validUntil),
      maxUses: checks.optionalWhole("maxUses", maxUses),
      minCartMinor: checks.money("minCartMinor", minCart),
      prefix: prefix.trim() || null,
      codeLength: checks.optionalWhole("codeLength", codeLength),
      idempotencyKey: key,
    };
    if (await save({ input }, checks.errors)) {
      setName("");
      setValue("");
      setKey(newKey());
      onCreated();
    }
  }

  const fields = [
    "name",
    "count",
    ...voucherValueFields(kind),
    "validFrom",
    "validUntil",
    "maxUses",
    "minCartMinor",
    "prefix",
    "codeLength",
  ];
  const batch = saved?.createVoucherBatch.batch;
  return (
    <Panel
      title="Make a batch of codes"
      description="Codes are the prefix and random characters (no I, L, O or U); 1 to 100,000 codes a batch."
    >
      <form onSubmit={submit} noValidate aria-label="Make a batch of codes">
        <div className="form-grid">
          <Field
            label="Name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={errorFor(errors, "name")}
            autoComplete="off"
          />
          <Field
            label="Number of codes"
            inputMode="numeric"
            value={count}
            onChange={(e) => setCount(e.target.value)}
            error={errorFor(errors, "count")}
          />
          <VoucherValueFields
            kinds={KINDS}
            kind={kind}
            onKind={(next) => {
              setKind(next);
              setValue("");
            }}
            value={value}
            onValue={setValue}
            errors={errors}
          />
          <Field
            label="Valid from"
            type="datetime-local"
            value={validFrom}
            onChange={(e) => setValidFrom(e.target.value)}
            error={errorFor(errors, "validFrom")}
            hint="Empty: at once."
          />
          <Field
            label="Valid until"
            type="datetime-local"
            value={validUntil}
            onChange={(e) => setValidUntil(e.target.value)}
            error={errorFor(errors, "validUntil")}
            hint="Exclusive; empty: no end."
          />
          <Field
            label="Uses per code"
            inputMode="numeric"
            value={maxUses}
            onChange={(e) => setMaxUses(e.target.value)}
            error={errorFor(errors, "maxUses")}
            hint="1: single use; empty: unlimited."
          />
          <Field
            label="Minimum cart"
            inputMode="decimal"
            value={minCart}
            onChange={(e) => setMinCart(e.target.value)}
            error={errorFor(errors, "minCartMinor")}
          />
          <Field
            label="Prefix"
            value={prefix}
            onChange={(e) => setPrefix(e.target.value)}
            error={errorFor(errors, "prefix")}
            hint="Letters, digits and -, e.g. SPRING-."
            autoComplete="off"
          />
          <Field
            label="Random characters"
            inputMode="numeric"
            value={codeLength}
            onChange={(e) => setCodeLength(e.target.value)}
            error={errorFor(errors, "codeLength")}
            hint="10 to 32; empty: 12."
          />
        </div>
        <FormErrors errors={errors} fields={fields} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            {saving ? "Making the codes…" : "Make codes"}
          </button>
          <Saved show={Boolean(batch)}>
            {batch ? `${batch.name}: ${plural(batch.count, "code")} made.` : null}
          </Saved>
        </div>
      </form>
    </Panel>
  );
}
