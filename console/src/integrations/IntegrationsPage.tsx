// The Integrations page (MANAGE_INTEGRATIONS): the shops' connections to WooCommerce, Shopify
// and Dolibarr (set up, changed, Dolibarr's token shown once and rotated), the integration
// log of what the platforms delivered, the outbound webhooks (subscriptions and their
// deliveries) and the bulk imports (a file uploaded and imported, the jobs' progress), each
// a sub-page with its own address.
import { useMemo, useState, type FormEvent } from "react";
import { NavLink, Navigate, Route, Routes } from "react-router";
import { useQuery } from "urql";
import {
  ConnectPlatformDocument,
  IntegrationLogDocument,
  PlatformConnectionsDocument,
  RotateDolibarrTokenDocument,
  type ConnectPlatformMutation,
  type IntegrationLogFilterInput,
  type IntegrationLogQuery,
  type IntegrationOutcomeEnum,
  type PlatformConnectionsQuery,
  type PlatformEnum,
  type RotateDolibarrTokenMutation,
} from "../generated/graphql";
import { Pager } from "../customers/Pager";
import { usePager } from "../messages/hooks";
import { Panel, Saved } from "../program/fields";
import { newKey, useSave } from "../program/useSave";
import { formatDate } from "../ui/format";
import { Checkbox, errorFor, Field, FormErrors, Select, TextArea, type UserError } from "../ui/forms";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import "../program/program.css";
import "../messages/messages.css";
import "./integrations.css";
import { Imports } from "./Imports";
import { Webhooks } from "./Webhooks";
import { PLATFORM_LABEL, OUTCOME_TONE, parseStatusMap, statusMapText } from "./labels";

const PLATFORMS: PlatformEnum[] = ["WOOCOMMERCE", "SHOPIFY", "DOLIBARR"];
const OUTCOMES: IntegrationOutcomeEnum[] = ["APPLIED", "DUPLICATE", "IGNORED", "REJECTED"];
const CONNECTIONS = { additionalTypenames: ["PlatformConnection"] };

export default function IntegrationsPage() {
  return (
    <div className="messages integrations">
      <h1>Integrations</h1>
      <nav className="subnav" aria-label="Integrations">
        <ul>
          <li>
            <NavLink to="/integrations/platforms">Platforms</NavLink>
          </li>
          <li>
            <NavLink to="/integrations/log">Integration log</NavLink>
          </li>
          <li>
            <NavLink to="/integrations/webhooks">Webhooks</NavLink>
          </li>
          <li>
            <NavLink to="/integrations/imports">Imports</NavLink>
          </li>
        </ul>
      </nav>
      <Routes>
        <Route index element={<Navigate to="/integrations/platforms" replace />} />
        <Route path="platforms" element={<Platforms />} />
        <Route path="log" element={<IntegrationLog />} />
        <Route path="webhooks" element={<Webhooks />} />
        <Route path="imports" element={<Imports />} />
        <Route path="*" element={<Navigate to="/integrations/platforms" replace />} />
      </Routes>
    </div>
  );
}

type Connection = PlatformConnectionsQuery["platformConnections"][number];

function Platforms() {
  const [list] = useQuery({ query: PlatformConnectionsDocument, context: CONNECTIONS });
  if (!list.data) return list.fetching ? <Loading /> : <RequestError error={list.error} />;
  const connections = list.data.platformConnections;
  return (
    <>
      <Panel
        title="Connections"
        description="Each platform posts its orders to its path on this server, signed with the shop's secret (Dolibarr: its URL's token)."
      >
        {connections.length ? <ConnectionsTable connections={connections} /> : <p className="empty">No platform is connected yet.</p>}
      </Panel>
      <ConnectForm />
    </>
  );
}

function ConnectionsTable({ connections }: { connections: Connection[] }) {
  return (
    <div className="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Shop</th>
            <th scope="col">Platform</th>
            <th scope="col">Posts to</th>
            <th scope="col">Statuses</th>
            <th scope="col">New customers</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {connections.map((c) => (
            <tr key={`${c.shop}-${c.platform}`}>
              <td>{c.shop}</td>
              <td>{PLATFORM_LABEL[c.platform]}</td>
              <td>
                <code>{c.webhookPath}</code>
                {c.platform === "DOLIBARR" ? <RotateToken shop={c.shop} /> : null}
              </td>
              <td>{c.statusMap.length ? statusMapText(c.statusMap) : <span className="hint">the platform's defaults</span>}</td>
              <td>{c.createCustomers ? "Registered" : "Ignored"}</td>
              <td>{c.active ? "Active" : "Off"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const rotatePayload = (data: RotateDolibarrTokenMutation) => data.rotateDolibarrToken;

function RotateToken({ shop }: { shop: string }) {
  const { errors, requestError, saving, saved, save } = useSave(RotateDolibarrTokenDocument, rotatePayload);
  return (
    <div className="token-rotation">
      <button type="button" className="secondary" disabled={saving} onClick={() => void save({ shop })} aria-label={`New token for ${shop}`}>
        New token
      </button>
      <FormErrors errors={errors} fields={[]} />
      <RequestError error={requestError} />
      {saved?.rotateDolibarrToken.dolibarrToken ? <Token shop={shop} token={saved.rotateDolibarrToken.dolibarrToken} /> : null}
    </div>
  );
}

/** Dolibarr's URL with its token, shown once: the server keeps only its digest. */
function Token({ shop, token }: { shop: string; token: string }) {
  const url = `${window.location.origin}/integrations/dolibarr/${encodeURIComponent(shop)}/${token}`;
  return (
    <div className="card token" role="status">
      <p>
        Dolibarr's URL for <strong>{shop}</strong>, shown this once: set it in Dolibarr's WebHook module now. The old URL
        no longer works.
      </p>
      <code className="secret-url">{url}</code>
    </div>
  );
}

const connectPayload = (data: ConnectPlatformMutation) => data.connectPlatform;

function ConnectForm() {
  const [shop, setShop] = useState("");
  const [platform, setPlatform] = useState<PlatformEnum>("WOOCOMMERCE");
  const [secret, setSecret] = useState("");
  const [statuses, setStatuses] = useState("");
  const [createCustomers, setCreateCustomers] = useState(false);
  const [active, setActive] = useState(true);
  const [key, setKey] = useState(() => newKey());
  const { errors, requestError, saving, saved, save } = useSave(ConnectPlatformDocument, connectPayload);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems: UserError[] = [];
    if (!shop.trim()) problems.push({ field: "shop", code: "REQUIRED", message: "Name the shop the orders are for." });
    const dolibarr = platform === "DOLIBARR";
    if (!dolibarr && secret.length < 16)
      problems.push({ field: "secret", code: "INVALID", message: "The platform's webhook secret: at least 16 characters." });
    const statusMap = parseStatusMap(statuses, problems);
    const input = {
      idempotencyKey: key,
      shop: shop.trim(),
      platform,
      secret: dolibarr ? null : secret,
      statusMap,
      createCustomers,
      active,
    };
    if (await save({ input }, problems)) {
      setSecret("");
      setKey(newKey());
    }
  }

  const done = saved?.connectPlatform;
  return (
    <Panel
      title="Connect a platform"
      description="Connecting a shop and platform again changes its connection (a Dolibarr connection gets a new token)."
    >
      <form onSubmit={submit} noValidate aria-label="Connect a platform">
        <div className="form-grid">
          <Field label="Shop" value={shop} onChange={(e) => setShop(e.target.value)} error={errorFor(errors, "shop")} autoComplete="off" />
          <Select
            label="Platform"
            value={platform}
            onChange={(e) => setPlatform(e.target.value as PlatformEnum)}
            options={PLATFORMS.map((p) => ({ value: p, label: PLATFORM_LABEL[p] }))}
          />
          {platform === "DOLIBARR" ? null : (
            <Field
              label="Webhook secret"
              type="password"
              value={secret}
              onChange={(e) => setSecret(e.target.value)}
              error={errorFor(errors, "secret")}
              autoComplete="off"
              hint="As set in the platform's webhook (Shopify: the signing secret it shows)."
            />
          )}
        </div>
        <TextArea
          label="Status mapping"
          value={statuses}
          onChange={(e) => setStatuses(e.target.value)}
          error={errorFor(errors, "statusMap")}
          hint="One per line, e.g. on-hold = PAID (CREATED, PAID, COMPLETED, REFUND or IGNORE); empty: the platform's defaults."
          rows={3}
        />
        <Checkbox
          label="Register unknown customers"
          checked={createCustomers}
          onChange={(e) => setCreateCustomers(e.target.checked)}
          hint="Else an order of a customer Tessera does not know is logged and ignored."
        />
        <Checkbox label="Active" checked={active} onChange={(e) => setActive(e.target.checked)} />
        <FormErrors errors={errors} fields={["shop", "secret", "statusMap"]} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving}>
            Connect
          </button>
          <Saved show={done !== undefined && done !== null}>{done?.connection ? `${done.connection.shop} is connected.` : null}</Saved>
        </div>
        {done?.dolibarrToken && done.connection ? <Token shop={done.connection.shop} token={done.dolibarrToken} /> : null}
      </form>
    </Panel>
  );
}

type Entry = IntegrationLogQuery["integrationLog"]["edges"][number]["node"];
type Filters = { shop: string; platform: PlatformEnum | ""; outcome: IntegrationOutcomeEnum | "" };
const NO_FILTERS: Filters = { shop: "", platform: "", outcome: "" };
const PAGE = 20;

function IntegrationLog() {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const pager = usePager();
  const filter = useMemo<IntegrationLogFilterInput>(
    () => ({ shop: filters.shop.trim() || null, platform: filters.platform || null, outcome: filters.outcome || null }),
    [filters],
  );
  const [log] = useQuery({ query: IntegrationLogDocument, variables: { first: PAGE, after: pager.after, filter } });
  function set<K extends keyof Filters>(key: K, value: Filters[K]) {
    setFilters((f) => ({ ...f, [key]: value }));
    pager.reset();
  }
  const entries = log.data?.integrationLog;
  return (
    <section aria-labelledby="integration-log-title">
      <div className="section-head">
        <h2 id="integration-log-title">Integration log</h2>
      </div>
      <form className="card log-filters" aria-label="Filter the integration log" onSubmit={(e) => e.preventDefault()}>
        <div className="filter-grid">
          <Field label="Shop" value={filters.shop} onChange={(e) => set("shop", e.target.value)} autoComplete="off" />
          <Select
            label="Platform"
            value={filters.platform}
            onChange={(e) => set("platform", e.target.value as Filters["platform"])}
            options={[{ value: "", label: "All platforms" }, ...PLATFORMS.map((p) => ({ value: p, label: PLATFORM_LABEL[p] }))]}
          />
          <Select
            label="Outcome"
            value={filters.outcome}
            onChange={(e) => set("outcome", e.target.value as Filters["outcome"])}
            options={[{ value: "", label: "All outcomes" }, ...OUTCOMES.map((o) => ({ value: o, label: o.toLowerCase() }))]}
          />
        </div>
      </form>
      <RequestError error={log.error} />
      {log.fetching && !log.data ? <Loading what="Loading the integration log" /> : null}
      {entries ? (
        entries.edges.length ? (
          <div className="table-scroll card flush">
            <table className="log-table">
              <caption className="sr-only">Deliveries, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Received</th>
                  <th scope="col">Shop</th>
                  <th scope="col">Topic</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Order</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {entries.edges.map(({ node }) => (
                  <LogRow key={node.id} entry={node} />
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="card">{JSON.stringify(filters) !== JSON.stringify(NO_FILTERS) ? "No delivery matches these filters." : "No platform has delivered anything yet."}</p>
        )
      ) : null}
      {entries ? (
        <Pager
          label="Pages of the integration log"
          page={pager.page}
          hasNext={entries.pageInfo.hasNextPage}
          onPrevious={pager.previous}
          onNext={() => pager.next(entries.pageInfo.endCursor)}
          previousLabel="Newer"
          nextLabel="Older"
        />
      ) : null}
    </section>
  );
}

function LogRow({ entry: e }: { entry: Entry }) {
  return (
    <tr>
      <td className="nowrap">{formatDate(e.receivedAt)}</td>
      <td>
        {e.shop}
        <span className="hint block">{PLATFORM_LABEL[e.platform]}</span>
      </td>
      <td>
        {e.topic}
        <span className="hint block" title={e.deliveryId}>
          delivery {e.deliveryId.length > 16 ? `${e.deliveryId.slice(0, 16)}…` : e.deliveryId}
        </span>
      </td>
      <td>
        <span className={`status-chip tone-${OUTCOME_TONE[e.outcome]}`}>{e.outcome.toLowerCase()}</span>
        <span className="hint block">HTTP {e.httpStatus}</span>
      </td>
      <td>
        {e.orderId ?? <span className="hint">—</span>}
        {e.customerId ? <span className="hint block">customer {e.customerId}</span> : null}
      </td>
      <td>{e.reason || <span className="hint">—</span>}</td>
    </tr>
  );
}
