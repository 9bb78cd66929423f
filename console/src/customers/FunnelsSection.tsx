// The funnels the customer entered, newest entry first: where each stands or how it ended.
import type { Customer } from "./CustomerPage";
import { formatDate } from "../ui/format";

const STATUS = {
  ACTIVE: "In progress",
  COMPLETED: "Completed",
  EXITED: "Left",
  FAILED: "Failed",
} as const;

export function FunnelsSection({ enrollments }: { enrollments: Customer["funnelEnrollments"] }) {
  return (
    <section className="card" aria-labelledby="funnels-heading">
      <h2 id="funnels-heading">Funnels entered</h2>
      {enrollments.nodes.length === 0 ? (
        <p className="hint">This customer has entered no funnel.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Funnel</th>
                <th scope="col">Entered</th>
                <th scope="col">Status</th>
                <th scope="col">Finished</th>
              </tr>
            </thead>
            <tbody>
              {enrollments.nodes.map((e) => (
                <tr key={e.id}>
                  <td>
                    {e.funnelName}
                    <small className="block">
                      version {e.version}
                      {e.entryNo > 1 ? `, entry ${e.entryNo}` : ""}
                    </small>
                  </td>
                  <td className="nowrap">{formatDate(e.enteredAt)}</td>
                  <td>
                    {STATUS[e.status]}
                    {e.status === "ACTIVE" && e.stepId ? (
                      <small className="block">
                        {e.waiting ? "waiting at" : "at"} step {e.stepId}
                      </small>
                    ) : null}
                    {e.reason ? <small className="block">{e.reason}</small> : null}
                  </td>
                  <td className="nowrap">{e.finishedAt ? formatDate(e.finishedAt) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {enrollments.pageInfo.hasNextPage ? <p className="hint">The 10 latest entries.</p> : null}
    </section>
  );
}
