// The funnels, newest first: status, version, and live counts (who is inside now, who entered,
// who completed), refreshed every half minute.
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { useQuery } from "urql";
import { useSession } from "../app/session";
import { FunnelStatisticsDocument, FunnelsDocument, type FunnelStatus } from "../generated/graphql";
import { Select } from "../ui/forms";
import { formatDate, formatPoints } from "../ui/format";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { StatusBadge } from "./StatusActions";

const PAGE = 25;
const REFRESH_MS = 30_000;

const STATUSES = [
  { value: "", label: "Every status" },
  { value: "DRAFT", label: "Draft" },
  { value: "ACTIVE", label: "Active" },
  { value: "PAUSED", label: "Paused" },
  { value: "ARCHIVED", label: "Archived" },
];

export function FunnelList() {
  const { can } = useSession();
  const [status, setStatus] = useState("");
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1];
  const [result] = useQuery({
    query: FunnelsDocument,
    variables: { status: (status || null) as FunnelStatus | null, first: PAGE, after },
  });
  const funnels = result.data?.funnels;
  const counts = can("READ_REPORTS");
  return (
    <section aria-labelledby="funnels-title">
      <div className="page-head">
        <h1 id="funnels-title">Funnels</h1>
        <Link className="button" to="/funnels/new">
          New funnel
        </Link>
      </div>
      <div className="card">
        <div className="row">
          <Select
            label="Status"
            value={status}
            options={STATUSES}
            onChange={(e) => {
              setStatus(e.target.value);
              setCursors([null]);
            }}
          />
        </div>
        <RequestError error={result.error} />
        {!funnels ? (
          result.fetching ? <Loading what="Loading the funnels" /> : null
        ) : funnels.nodes.length === 0 ? (
          <p>No funnel{status ? " with this status" : ""} yet.</p>
        ) : (
          <div className="table-scroll">
            <table>
              <caption className="sr-only">Funnels, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">Version</th>
                  {counts ? (
                    <>
                      <th scope="col" className="num">Inside now</th>
                      <th scope="col" className="num">Entered</th>
                      <th scope="col" className="num">Completed</th>
                    </>
                  ) : null}
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {funnels.nodes.map((f) => (
                  <tr key={f.id}>
                    <td>
                      <Link to={`/funnels/${f.id}`}>{f.name}</Link>
                    </td>
                    <td>
                      <StatusBadge status={f.status} />
                    </td>
                    <td className="num">{f.currentVersion}</td>
                    {counts ? <LiveCounts id={f.id} status={f.status} /> : null}
                    <td>
                      {formatDate(f.updatedAt)} <span className="muted">by {f.updatedBy}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <div className="row pager">
          {cursors.length > 1 ? (
            <button type="button" className="secondary" onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous page
            </button>
          ) : null}
          {funnels?.pageInfo.hasNextPage ? (
            <button type="button" className="secondary" onClick={() => setCursors([...cursors, funnels.pageInfo.endCursor])}>
              Next page
            </button>
          ) : null}
        </div>
      </div>
    </section>
  );
}

/** A funnel's enrollments now; a draft has none (nobody enters a draft). */
function LiveCounts({ id, status }: { id: string; status: FunnelStatus }) {
  const [result, refetch] = useQuery({
    query: FunnelStatisticsDocument,
    variables: { id },
    pause: status === "DRAFT",
  });
  useEffect(() => {
    if (status === "DRAFT") return;
    const timer = setInterval(() => refetch({ requestPolicy: "network-only" }), REFRESH_MS);
    return () => clearInterval(timer);
  }, [refetch, status]);
  const s = result.data?.funnelStatistics;
  const cell = (value: number | undefined) => (
    <td className="num">{status === "DRAFT" ? "—" : value === undefined ? "…" : formatPoints(value)}</td>
  );
  return (
    <>
      {cell(s?.active)}
      {cell(s?.entered)}
      {cell(s?.completed)}
    </>
  );
}
