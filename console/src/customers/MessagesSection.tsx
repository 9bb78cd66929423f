// The messages sent to the customer (the delivery log, READ_REPORTS), newest first.
import { useMemo } from "react";
import { useQuery } from "urql";
import { MessageLogDocument, type MessageStatus } from "../generated/graphql";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { formatDate } from "../ui/format";
import { Pager, useCursors } from "./Pager";

const STATUS: Record<MessageStatus, string> = {
  QUEUED: "Queued",
  DEFERRED: "Deferred",
  SENDING: "Sending",
  SENT: "Sent",
  DELIVERED: "Delivered",
  FAILED: "Failed",
  SUPPRESSED: "Not sent",
  UNCERTAIN: "Uncertain",
  CAPTURED: "Captured (sandbox)",
};

export function MessagesSection({ customerId }: { customerId: string }) {
  const cursors = useCursors();
  const filter = useMemo(() => ({ customerId }), [customerId]);
  const [result] = useQuery({
    query: MessageLogDocument,
    variables: { first: 10, after: cursors.after, filter },
  });
  const messages = result.data?.messages;
  return (
    <section className="card" aria-labelledby="messages-heading">
      <h2 id="messages-heading">Messages received</h2>
      <RequestError error={result.error} />
      {!messages ? (
        result.error ? null : <Loading what="Loading the messages" />
      ) : messages.edges.length === 0 ? (
        <p className="hint">No message sent to this customer.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Channel</th>
                <th scope="col">Message</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {messages.edges.map(({ node }) => (
                <tr key={node.id}>
                  <td className="nowrap">{formatDate(node.sentAt ?? node.createdAt)}</td>
                  <td>
                    {node.channel === "EMAIL" ? "Email" : node.channel}
                    <small className="block">{node.recipient}</small>
                  </td>
                  <td className="message-text">{node.subject ?? node.text}</td>
                  <td>
                    {STATUS[node.status]}
                    {node.statusReason ? <small className="block">{node.statusReason}</small> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {messages ? (
        <Pager
          label="Messages pages"
          page={cursors.page}
          hasNext={messages.pageInfo.hasNextPage}
          onPrevious={cursors.previous}
          onNext={() => cursors.next(messages.pageInfo.endCursor)}
          previousLabel="Newer messages"
          nextLabel="Older messages"
        />
      ) : null}
    </section>
  );
}
