// Staff notices: who among the staff hears of what (per shop or program-wide), and how
// large a manual adjustment must be to be noticed.
import { useMemo, useRef, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import {
  AddNoticeRecipientDocument,
  NoticeRecipientsDocument,
  NoticeSettingsDocument,
  RemoveNoticeRecipientDocument,
  SetLargeAdjustmentThresholdDocument,
  UpdateNoticeRecipientDocument,
  type NoticeKind,
  type NoticeRecipientsQuery,
} from "../../generated/graphql";
import { Field, FormErrors, errorFor, type UserError } from "../../ui/forms";
import { actorLabel } from "../../ui/actors";
import { formatDate, formatPoints } from "../../ui/format";
import { Loading } from "../../ui/Loading";
import { RequestError } from "../../ui/RequestError";
import { newKey, usePager } from "../hooks";
import { NOTICE_KINDS, NOTICE_KIND_LABEL } from "../labels";

const PAGE = 25;

export function NoticeSettings() {
  return (
    <section className="card" aria-labelledby="notices-title">
      <h3 id="notices-title">Staff notices</h3>
      <p className="hint">
        Emails to store managers and staff about the program (not to customers). A recipient of a shop hears of the
        large adjustments made at that shop; a program-wide one of all of them.
      </p>
      <Threshold />
      <Recipients />
    </section>
  );
}

function Threshold() {
  const [{ data, error }] = useQuery({ query: NoticeSettingsDocument });
  const [points, setPoints] = useState<string | null>(null);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [saved, setSaved] = useState("");
  const [state, save] = useMutation(SetLargeAdjustmentThresholdDocument);
  const settings = data?.noticeSettings;
  const value = points ?? (settings ? String(settings.largeAdjustmentPoints) : "");

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved("");
    if (!/^\s*\d+\s*$/.test(value)) {
      return setErrors([{ field: "points", code: "INVALID", message: "A whole number of points, at least 1." }]);
    }
    const result = await save({ input: { points: Number(value) } });
    const payload = result.data?.setLargeAdjustmentThreshold;
    if (!payload) return;
    setErrors(payload.userErrors);
    if (payload.settings && !payload.userErrors.length) {
      setPoints(null);
      setSaved(`Adjustments of ${formatPoints(payload.settings.largeAdjustmentPoints)} points or more are noticed.`);
    }
  }

  return (
    <form className="threshold" onSubmit={submit} noValidate>
      <h4>Large adjustments</h4>
      <RequestError error={error} />
      <div className="row">
        <Field
          label="Notice manual adjustments of at least (points)"
          inputMode="numeric"
          value={value}
          hint={
            settings?.updatedAt
              ? `Set by ${settings.actor ? actorLabel(settings.actor) : "someone"} on ${formatDate(settings.updatedAt)}.`
              : "Credits and debits alike."
          }
          error={errorFor(errors, "points")}
          onChange={(e) => {
            setPoints(e.target.value);
            setSaved("");
          }}
        />
        <div className="field button-field">
          <button type="submit" className="secondary" disabled={state.fetching || !settings}>
            Save adjustment threshold
          </button>
        </div>
      </div>
      <FormErrors errors={errors} fields={["points"]} />
      <RequestError error={state.error} />
      <p className="ok" role="status">
        {saved}
      </p>
    </form>
  );
}

type Recipient = NoticeRecipientsQuery["noticeRecipients"]["nodes"][number];

function Recipients() {
  const pager = usePager();
  const [{ data, fetching, error }] = useQuery({
    query: NoticeRecipientsDocument,
    variables: { first: PAGE, after: pager.after },
    context: useMemo(() => ({ additionalTypenames: ["NoticeRecipient"] }), []),
  });
  const [editing, setEditing] = useState<string | null>(null);
  const page = data?.noticeRecipients;
  return (
    <div className="recipients">
      <h4>Recipients</h4>
      <RequestError error={error} />
      {fetching && !data ? <Loading what="Loading recipients" /> : null}
      {page ? (
        page.nodes.length ? (
          <div className="table-scroll">
            <table>
              <caption className="sr-only">Staff notice recipients</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Shop</th>
                  <th scope="col">Notices</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.nodes.map((r) =>
                  editing === r.id ? (
                    <tr key={r.id}>
                      <td colSpan={4}>
                        <RecipientForm recipient={r} onDone={() => setEditing(null)} />
                      </td>
                    </tr>
                  ) : (
                    <RecipientRow key={r.id} recipient={r} onEdit={() => setEditing(r.id)} />
                  ),
                )}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="hint">Nobody receives staff notices yet.</p>
        )
      ) : null}
      {page && (pager.page > 1 || page.pageInfo.hasNextPage) ? (
        <div className="row pager">
          <button type="button" className="secondary" disabled={pager.page === 1} onClick={pager.previous}>
            Previous
          </button>
          <span>Page {pager.page}</span>
          <button
            type="button"
            className="secondary"
            disabled={!page.pageInfo.hasNextPage}
            onClick={() => pager.next(page.pageInfo.endCursor)}
          >
            Next
          </button>
        </div>
      ) : null}
      <h4>Add a recipient</h4>
      <RecipientForm recipient={null} onDone={() => undefined} />
    </div>
  );
}

function RecipientRow({ recipient: r, onEdit }: { recipient: Recipient; onEdit: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [state, remove] = useMutation(RemoveNoticeRecipientDocument);
  const [errors, setErrors] = useState<UserError[]>([]);
  return (
    <tr>
      <td>{r.email}</td>
      <td>{r.shop ?? <span className="hint">Every shop</span>}</td>
      <td>{r.kinds.map((k) => NOTICE_KIND_LABEL[k]).join(", ")}</td>
      <td className="actions-cell">
        {confirming ? (
          <>
            <button
              type="button"
              className="danger"
              disabled={state.fetching}
              onClick={async () => {
                const result = await remove(
                  { input: { id: r.id } },
                  { additionalTypenames: ["NoticeRecipient"] },
                );
                setErrors(result.data?.removeNoticeRecipient.userErrors ?? []);
              }}
            >
              Remove {r.email}
            </button>{" "}
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <>
            <button type="button" className="secondary" onClick={onEdit} aria-label={`Edit ${r.email}`}>
              Edit
            </button>{" "}
            <button
              type="button"
              className="secondary"
              onClick={() => setConfirming(true)}
              aria-label={`Remove ${r.email}…`}
            >
              Remove…
            </button>
          </>
        )}
        <FormErrors errors={errors} />
        <RequestError error={state.error} />
      </td>
    </tr>
  );
}

function RecipientForm({ recipient, onDone }: { recipient: Recipient | null; onDone: () => void }) {
  const [email, setEmail] = useState(recipient?.email ?? "");
  const [shop, setShop] = useState(recipient?.shop ?? "");
  const [kinds, setKinds] = useState<NoticeKind[]>(recipient?.kinds ?? ["LARGE_ADJUSTMENT"]);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [done, setDone] = useState("");
  // One key per recipient added: a retry after a lost answer adds nobody twice.
  const key = useRef(newKey("notice"));
  const [added, add] = useMutation(AddNoticeRecipientDocument);
  const [updated, update] = useMutation(UpdateNoticeRecipientDocument);
  const prefix = recipient ? `edit-${recipient.id}` : "add";

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone("");
    if (recipient) {
      const result = await update({
        input: { id: recipient.id, email, kinds, shop: shop.trim() || null, programWide: !shop.trim() },
      });
      const payload = result.data?.updateNoticeRecipient;
      if (!payload) return;
      setErrors(payload.userErrors);
      if (!payload.userErrors.length) onDone();
      return;
    }
    const result = await add({ input: { email, kinds, shop: shop.trim() || null, idempotencyKey: key.current } });
    const payload = result.data?.addNoticeRecipient;
    if (!payload) return;
    setErrors(payload.userErrors);
    key.current = newKey("notice");
    if (payload.recipient && !payload.userErrors.length) {
      setDone(`${payload.recipient.email} added.`);
      setEmail("");
      setShop("");
    }
  }

  return (
    <form className="recipient-form" onSubmit={submit} noValidate>
      <div className="row">
        <Field
          label="Email"
          type="email"
          value={email}
          id={`${prefix}-email`}
          error={errorFor(errors, "email")}
          onChange={(e) => setEmail(e.target.value)}
        />
        <Field
          label="Shop"
          value={shop}
          id={`${prefix}-shop`}
          hint="A shop code; empty: every shop."
          error={errorFor(errors, "shop")}
          onChange={(e) => setShop(e.target.value)}
        />
      </div>
      <fieldset className="kinds" aria-invalid={errorFor(errors, "kinds") ? true : undefined}>
        <legend>Notices</legend>
        {NOTICE_KINDS.map((k) => (
          <label key={k} className="check">
            <input
              type="checkbox"
              checked={kinds.includes(k)}
              onChange={(e) =>
                setKinds((now) => (e.target.checked ? [...now, k] : now.filter((x) => x !== k)))
              }
            />
            {NOTICE_KIND_LABEL[k]}
          </label>
        ))}
        {errorFor(errors, "kinds") ? (
          <small className="error" role="alert">
            {errorFor(errors, "kinds")}
          </small>
        ) : null}
      </fieldset>
      <FormErrors errors={errors} fields={["email", "shop", "kinds"]} />
      <RequestError error={added.error ?? updated.error} />
      <div className="row actions">
        <button type="submit" className={recipient ? undefined : "secondary"} disabled={added.fetching || updated.fetching}>
          {recipient ? "Save recipient" : "Add recipient"}
        </button>
        {recipient ? (
          <button type="button" className="secondary" onClick={onDone}>
            Cancel
          </button>
        ) : null}
        <span className="ok" role="status">
          {done}
        </span>
      </div>
    </form>
  );
}
