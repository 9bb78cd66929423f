// Outbound webhooks: the subscriptions (URL, event types, the signing secret, switched on or
// off, a new secret), a form to subscribe, and the delivery log by subscription and status
// with a way to send a delivery again.
import { useMemo, useState, type FormEvent } from "react";
import { useQuery } from "urql";
import {
  CreateWebhookSubscriptionDocument,
  RedeliverWebhookDocument,
  UpdateWebhookSubscriptionDocument,
  WebhookDeliveriesDocument,
  WebhookSubscriptionsDocument,
  type CreateWebhookSubscriptionMutation,
  type RedeliverWebhookMutation,
  type UpdateWebhookSubscriptionMutation,
  type WebhookDeliveriesQuery,
  type WebhookDeliveryStatus,
  type WebhookEventType,
  type WebhookSubscriptionsQuery,
} from "../generated/graphql";
import { Pager } from "../customers/Pager";
import { usePager } from "../messages/hooks";
import { CheckboxGroup, Panel, Saved } from "../program/fields";
import { newKey, useSave } from "../program/useSave";
import { formatDate } from "../ui/format";
import { errorFor, Field, FormErrors, Select, type UserError } from "../ui/forms";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { EVENT_TYPES, eventLabel } from "./labels";

type Subscription = WebhookSubscriptionsQuery["webhookSubscriptions"]["nodes"][number];
type Delivery = WebhookDeliveriesQuery["webhookDeliveries"]["nodes"][number];
const SUBSCRIPTIONS = { additionalTypenames: ["WebhookSubscription"] };
const DELIVERIES = { additionalTypenames: ["WebhookDelivery"] };
const STATUSES: WebhookDeliveryStatus[] = ["PENDING", "DELIVERED", "FAILED"];
const TONE: Record<WebhookDeliveryStatus, string> = { PENDING: "wait", DELIVERED: "good", FAILED: "bad" };

export function Webhooks() {
  const [list] = useQuery({ query: WebhookSubscriptionsDocument, variables: { first: 100 }, context: SUBSCRIPTIONS });
  if (!list.data) return list.fetching ? <Loading /> : <RequestError error={list.error} />;
  const subscriptions = list.data.webhookSubscriptions.nodes;
  return (
    <>
      <Panel
        title="Subscriptions"
        description="Each event is posted to the URL once its change has committed, signed with the subscription's secret (Standard Webhooks), in order for each customer, retried for 3 days."
      >
        {subscriptions.length ? <SubscriptionsTable subscriptions={subscriptions} /> : <p className="empty">No subscription yet.</p>}
      </Panel>
      <SubscribeForm />
      <DeliveryLog subscriptions={subscriptions} />
    </>
  );
}

const updatePayload = (data: UpdateWebhookSubscriptionMutation) => data.updateWebhookSubscription;

function SubscriptionsTable({ subscriptions }: { subscriptions: Subscription[] }) {
  const { errors, requestError, saving, save } = useSave(UpdateWebhookSubscriptionDocument, updatePayload);
  return (
    <>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">Secret</th>
              <th scope="col">State</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {subscriptions.map((s) => (
              <tr key={s.id}>
                <td>
                  <code>{s.url}</code>
                  {s.description ? <span className="hint block">{s.description}</span> : null}
                </td>
                <td>{s.eventTypes.map(eventLabel).join(", ")}</td>
                <td>
                  <details>
                    <summary>Show</summary>
                    <code className="secret-url">{s.secret}</code>
                  </details>
                </td>
                <td>
                  {s.active ? "On" : s.disabledAt ? `Off: disabled ${formatDate(s.disabledAt)} after failures` : "Off"}
                  {s.consecutiveFailures ? <span className="hint block">{s.consecutiveFailures} failed in a row</span> : null}
                </td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="secondary"
                    disabled={saving}
                    onClick={() => void save({ input: { id: s.id, active: !s.active } })}
                    aria-label={`${s.active ? "Switch off" : "Switch on"} ${s.url}`}
                  >
                    {s.active ? "Switch off" : "Switch on"}
                  </button>
                  <button
                    type="button"
                    className="secondary"
                    disabled={saving}
                    onClick={() => void save({ input: { id: s.id, rotateSecret: true } })}
                    aria-label={`New secret for ${s.url}`}
                  >
                    New secret
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <FormErrors errors={errors} fields={[]} />
      <RequestError error={requestError} />
    </>
  );
}

const createPayload = (data: CreateWebhookSubscriptionMutation) => data.createWebhookSubscription;

function SubscribeForm() {
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<WebhookEventType[]>([]);
  const [key, setKey] = useState(newKey);
  const { errors, requestError, saving, saved, save } = useSave(CreateWebhookSubscriptionDocument, createPayload);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems: UserError[] = [];
    if (!url.trim()) problems.push({ field: "url", code: "REQUIRED", message: "The URL the events are posted to." });
    if (!events.length) problems.push({ field: "eventTypes", code: "REQUIRED", message: "Choose at least one event." });
    const input = { url: url.trim(), eventTypes: events, description: description.trim() || null, idempotencyKey: key };
    if (await save({ input }, problems)) {
      setUrl("");
      setDescription("");
      setEvents([]);
      setKey(newKey());
    }
  }

  return (
    <Panel title="Subscribe a URL" description="https, on a public address (the operator may allow a private network).">
      <form onSubmit={submit} noValidate aria-label="Subscribe a URL">
        <div className="form-grid">
          <Field label="URL" type="url" value={url} onChange={(e) => setUrl(e.target.value)} error={errorFor(errors, "url")} autoComplete="off" />
          <Field label="Description" value={description} onChange={(e) => setDescription(e.target.value)} autoComplete="off" />
        </div>
        <CheckboxGroup
          legend="Events"
          options={EVENT_TYPES.map((t) => ({ value: t, label: eventLabel(t) }))}
          value={events}
          onChange={setEvents}
          error={errorFor(errors, "eventTypes")}
        />
        <FormErrors errors={errors} fields={["url", "eventTypes"]} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Subscribe
          </button>
          <Saved show={saved !== null}>
            {saved?.createWebhookSubscription.subscription ? `${saved.createWebhookSubscription.subscription.url} is subscribed.` : null}
          </Saved>
        </div>
      </form>
    </Panel>
  );
}

const PAGE = 20;

function DeliveryLog({ subscriptions }: { subscriptions: Subscription[] }) {
  const [subscriptionId, setSubscriptionId] = useState("");
  const [status, setStatus] = useState<WebhookDeliveryStatus | "">("");
  const pager = usePager();
  const variables = useMemo(
    () => ({ subscriptionId: subscriptionId || null, status: status || null, first: PAGE, after: pager.after }),
    [subscriptionId, status, pager.after],
  );
  const [log] = useQuery({ query: WebhookDeliveriesDocument, variables, context: DELIVERIES });
  const deliveries = log.data?.webhookDeliveries;
  const urls = new Map(subscriptions.map((s) => [s.id, s.url]));
  return (
    <section aria-labelledby="deliveries-title">
      <div className="section-head">
        <h2 id="deliveries-title">Deliveries</h2>
      </div>
      <form className="card log-filters" aria-label="Filter the deliveries" onSubmit={(e) => e.preventDefault()}>
        <div className="filter-grid">
          <Select
            label="Subscription"
            value={subscriptionId}
            onChange={(e) => {
              setSubscriptionId(e.target.value);
              pager.reset();
            }}
            options={[{ value: "", label: "All subscriptions" }, ...subscriptions.map((s) => ({ value: s.id, label: s.url }))]}
          />
          <Select
            label="Delivery status"
            value={status}
            onChange={(e) => {
              setStatus(e.target.value as WebhookDeliveryStatus | "");
              pager.reset();
            }}
            options={[{ value: "", label: "All statuses" }, ...STATUSES.map((s) => ({ value: s, label: s.toLowerCase() }))]}
          />
        </div>
      </form>
      <RequestError error={log.error} />
      {log.fetching && !log.data ? <Loading what="Loading the deliveries" /> : null}
      {deliveries ? (
        deliveries.nodes.length ? (
          <div className="table-scroll card flush">
            <table className="log-table">
              <caption className="sr-only">Webhook deliveries, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">To</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Attempts
                  </th>
                  <th scope="col">Last answer</th>
                  <th scope="col">Again</th>
                </tr>
              </thead>
              <tbody>
                {deliveries.nodes.map((d) => (
                  <DeliveryRow key={d.id} delivery={d} url={urls.get(d.subscriptionId) ?? `#${d.subscriptionId}`} />
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="card">No delivery {subscriptionId || status ? "matches these filters" : "yet"}.</p>
        )
      ) : null}
      {deliveries ? (
        <Pager
          label="Pages of the deliveries"
          page={pager.page}
          hasNext={deliveries.pageInfo.hasNextPage}
          onPrevious={pager.previous}
          onNext={() => pager.next(deliveries.pageInfo.endCursor)}
          previousLabel="Newer"
          nextLabel="Older"
        />
      ) : null}
    </section>
  );
}

const redeliverPayload = (data: RedeliverWebhookMutation) => data.redeliverWebhook;

function DeliveryRow({ delivery: d, url }: { delivery: Delivery; url: string }) {
  const [key] = useState(newKey);
  const { errors, requestError, saving, saved, save } = useSave(RedeliverWebhookDocument, redeliverPayload);
  return (
    <tr>
      <td>
        {eventLabel(d.eventType)}
        <span className="hint block">{formatDate(d.createdAt)}</span>
        {d.customerId ? <span className="hint block">customer {d.customerId}</span> : null}
      </td>
      <td className="recipient">{url}</td>
      <td>
        <span className={`status-chip tone-${TONE[d.status]}`}>{d.status.toLowerCase()}</span>
        {d.status === "PENDING" ? <span className="hint block">next {formatDate(d.nextAttemptAt)}</span> : null}
        {d.deliveredAt ? <span className="hint block">delivered {formatDate(d.deliveredAt)}</span> : null}
      </td>
      <td className="num">{d.attempts}</td>
      <td>
        {d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : d.lastError ? "" : <span className="hint">—</span>}
        {d.lastError ? <span className="hint block">{d.lastError}</span> : null}
      </td>
      <td>
        <button
          type="button"
          className="secondary"
          disabled={saving || saved !== null}
          onClick={() => void save({ input: { id: d.id, idempotencyKey: key } })}
          aria-label={`${saved ? "Queued" : "Send again"}: ${eventLabel(d.eventType)}`}
        >
          {saved ? "Queued" : "Send again"}
        </button>
        <FormErrors errors={errors} fields={[]} />
        <RequestError error={requestError} />
      </td>
    </tr>
  );
}
