// The delivery log: every message (to customers, and marketers' tests), newest first, with
// filters (channel, status, customer, period, tests), totals per status and pages.
import { useMemo, useState } from "react";
import { Link } from "react-router";
import { useQuery } from "urql";
import {
  MessageLogDocument,
  MessageTotalsDocument,
  type MessageChannel,
  type MessageFilter,
  type MessageLogQuery,
  type MessageStatus,
} from "../../generated/graphql";
import { formatDate } from "../../ui/format";
import { Loading } from "../../ui/Loading";
import { RequestError } from "../../ui/RequestError";
import { CustomerPicker, type PickedCustomer } from "../CustomerPicker";
import { usePager } from "../hooks";
import { CHANNELS, CHANNEL_LABEL, STATUSES, STATUS_LABEL, STATUS_TONE, reasonLabel } from "../labels";
import { periodFilter } from "./period";

const PAGE = 20;

type Filters = {
  channel: MessageChannel | "";
  status: MessageStatus | "";
  customer: PickedCustomer | null;
  from: string;
  to: string;
  tests: "" | "hide" | "only";
};

const NO_FILTERS: Filters = { channel: "", status: "", customer: null, from: "", to: "", tests: "" };

export function DeliveryLog() {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const pager = usePager();
  const filter = useMemo<MessageFilter>(
    () => ({
      channel: filters.channel || null,
      status: filters.status || null,
      customerId: filters.customer?.id ?? null,
      ...periodFilter(filters.from, filters.to),
      isTest: filters.tests === "" ? null : filters.tests === "only",
    }),
    [filters],
  );
  // A test message sent meanwhile is a Message: both refresh (also while the log is empty).
  const context = useMemo(() => ({ additionalTypenames: ["Message"] }), []);
  const [log] = useQuery({ query: MessageLogDocument, variables: { first: PAGE, after: pager.after, filter }, context });
  const [totals] = useQuery({ query: MessageTotalsDocument, variables: { filter }, context });

  function set<K extends keyof Filters>(key: K, value: Filters[K]) {
    setFilters((f) => ({ ...f, [key]: value }));
    pager.reset();
  }
  const filtered = JSON.stringify(filters) !== JSON.stringify(NO_FILTERS);
  const messages = log.data?.messages;

  return (
    <section aria-labelledby="log-title">
      <div className="section-head">
        <h2 id="log-title">Delivery log</h2>
      </div>
      <form className="card log-filters" aria-label="Filter the delivery log" onSubmit={(e) => e.preventDefault()}>
        <div className="filter-grid">
          <div className="field">
            <label htmlFor="log-channel">Channel</label>
            <select id="log-channel" value={filters.channel} onChange={(e) => set("channel", e.target.value as MessageChannel | "")}>
              <option value="">All channels</option>
              {CHANNELS.map((c) => (
                <option key={c} value={c}>
                  {CHANNEL_LABEL[c]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="log-status">Status</label>
            <select id="log-status" value={filters.status} onChange={(e) => set("status", e.target.value as MessageStatus | "")}>
              <option value="">All statuses</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABEL[s]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="log-from">From</label>
            <input id="log-from" type="date" value={filters.from} onChange={(e) => set("from", e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="log-to">To (included)</label>
            <input id="log-to" type="date" value={filters.to} onChange={(e) => set("to", e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="log-tests">Test messages</label>
            <select id="log-tests" value={filters.tests} onChange={(e) => set("tests", e.target.value as Filters["tests"])}>
              <option value="">Shown</option>
              <option value="hide">Hidden</option>
              <option value="only">Only tests</option>
            </select>
          </div>
        </div>
        <div className="row">
          <div className="grow">
            <CustomerPicker label="Customer" value={filters.customer} onChange={(c) => set("customer", c)} />
          </div>
          {filtered ? (
            <div className="field button-field">
              <button
                type="button"
                className="secondary"
                onClick={() => {
                  setFilters(NO_FILTERS);
                  pager.reset();
                }}
              >
                Clear filters
              </button>
            </div>
          ) : null}
        </div>
      </form>

      <RequestError error={totals.error} />
      {totals.data ? <Totals totals={totals.data.messageTotals} onPick={(s) => set("status", s)} /> : null}

      <RequestError error={log.error} />
      {log.fetching && !log.data ? <Loading what="Loading messages" /> : null}
      {messages ? (
        messages.edges.length ? (
          <div className="table-scroll card flush">
            <table className="log-table">
              <caption className="sr-only">Messages, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Created</th>
                  <th scope="col">Recipient</th>
                  <th scope="col">Channel</th>
                  <th scope="col">Content</th>
                  <th scope="col">Template</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Attempts
                  </th>
                </tr>
              </thead>
              <tbody>
                {messages.edges.map(({ node }) => (
                  <MessageRow key={node.id} message={node} />
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="card">{filtered ? "No message matches these filters." : "No message has been made yet."}</p>
        )
      ) : null}
      {messages && (pager.page > 1 || messages.pageInfo.hasNextPage) ? (
        <div className="row pager">
          <button type="button" className="secondary" disabled={pager.page === 1} onClick={pager.previous}>
            Newer
          </button>
          <span>Page {pager.page}</span>
          <button
            type="button"
            className="secondary"
            disabled={!messages.pageInfo.hasNextPage}
            onClick={() => pager.next(messages.pageInfo.endCursor)}
          >
            Older
          </button>
        </div>
      ) : null}
    </section>
  );
}

function Totals({
  totals,
  onPick,
}: {
  totals: { status: MessageStatus; count: number }[];
  onPick: (status: MessageStatus) => void;
}) {
  const all = totals.reduce((sum, t) => sum + t.count, 0);
  return (
    <section className="totals" aria-label="Messages per status">
      <p className="total-all">
        <strong>{all.toLocaleString()}</strong> {all === 1 ? "message" : "messages"}
      </p>
      <ul>
        {totals
          .filter((t) => t.count > 0)
          .map((t) => (
            <li key={t.status}>
              <button type="button" className={`status-chip tone-${STATUS_TONE[t.status]}`} onClick={() => onPick(t.status)}>
                {STATUS_LABEL[t.status]} <strong>{t.count.toLocaleString()}</strong>
              </button>
            </li>
          ))}
      </ul>
    </section>
  );
}

type Message = MessageLogQuery["messages"]["edges"][number]["node"];

function MessageRow({ message: m }: { message: Message }) {
  const summary = m.subject ?? m.text ?? "";
  return (
    <tr>
      <td className="nowrap">{formatDate(m.createdAt)}</td>
      <td>
        <span className="recipient">{m.recipient}</span>
        {m.isTest ? <span className="badge">test</span> : null}
        {m.customerId ? <span className="hint block">Customer {m.customerId}</span> : null}
      </td>
      <td>{CHANNEL_LABEL[m.channel]}</td>
      <td className="content-cell">
        <details>
          <summary>{summary.length > 80 ? `${summary.slice(0, 80)}…` : summary || "(no text)"}</summary>
          {m.subject ? (
            <p>
              <strong>Subject:</strong> {m.subject}
            </p>
          ) : null}
          {m.text ? <pre className="preview-text">{m.text}</pre> : null}
          {m.mediaUrls.length ? <p>Media: {m.mediaUrls.join(", ")}</p> : null}
          {m.lastError ? <p className="error">Last error: {m.lastError}</p> : null}
          {m.providerId ? <p className="hint">Provider id: {m.providerId}</p> : null}
        </details>
      </td>
      <td>
        {m.templateId ? (
          <Link to={`/messages/templates/${m.templateId}`}>
            #{m.templateId}
            {m.templateVersion ? ` v${m.templateVersion}` : ""}
          </Link>
        ) : (
          <span className="hint">—</span>
        )}
      </td>
      <td>
        <span className={`status-chip tone-${STATUS_TONE[m.status]}`}>{STATUS_LABEL[m.status]}</span>
        {m.statusReason ? (
          <span className="hint block" title={m.statusReason}>
            {reasonLabel(m.statusReason)}
          </span>
        ) : null}
        {m.status === "DEFERRED" && m.notBefore ? <span className="hint block">until {formatDate(m.notBefore)}</span> : null}
        {m.sentAt ? <span className="hint block">sent {formatDate(m.sentAt)}</span> : null}
      </td>
      <td className="num">{m.attempts}</td>
    </tr>
  );
}
