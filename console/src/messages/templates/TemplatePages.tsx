// The templates sub-page: the list, a new template, and one template opened for editing.
import { useMemo, useState } from "react";
import { Link, useLocation, useParams } from "react-router";
import { useQuery } from "urql";
import { MessageTemplateDocument, MessageTemplatesDocument, type MessageChannel } from "../../generated/graphql";
import { actorLabel } from "../../ui/actors";
import { formatDate } from "../../ui/format";
import { Loading } from "../../ui/Loading";
import { RequestError } from "../../ui/RequestError";
import { usePager } from "../hooks";
import { CHANNELS, CHANNEL_LABEL, PURPOSE_LABEL } from "../labels";
import { draftOf, newDraft } from "./draft";
import { TemplateEditor } from "./TemplateEditor";

const PAGE = 20;

export function TemplateList() {
  const [channel, setChannel] = useState<MessageChannel | "">("");
  const pager = usePager();
  const [{ data, fetching, error }] = useQuery({
    query: MessageTemplatesDocument,
    variables: { first: PAGE, after: pager.after, channel: channel || null },
    context: useMemo(() => ({ additionalTypenames: ["MessageTemplate"] }), []),
  });
  const page = data?.messageTemplates;
  return (
    <section aria-labelledby="templates-title">
      <div className="section-head">
        <h2 id="templates-title">Templates</h2>
        <Link className="button" to="/messages/templates/new">
          New template
        </Link>
      </div>
      <div className="row filters">
        <div className="field">
          <label htmlFor="template-channel">Channel</label>
          <select
            id="template-channel"
            value={channel}
            onChange={(e) => {
              setChannel(e.target.value as MessageChannel | "");
              pager.reset();
            }}
          >
            <option value="">All channels</option>
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {CHANNEL_LABEL[c]}
              </option>
            ))}
          </select>
        </div>
      </div>
      <RequestError error={error} />
      {fetching && !data ? <Loading what="Loading templates" /> : null}
      {page ? (
        page.nodes.length ? (
          <div className="table-scroll card flush">
            <table>
              <caption className="sr-only">Message templates, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Channel</th>
                  <th scope="col">Purpose</th>
                  <th scope="col">Fallback</th>
                  <th scope="col" className="num">
                    Version
                  </th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {page.nodes.map((t) => (
                  <tr key={t.id}>
                    <td>
                      <Link to={`/messages/templates/${t.id}`}>{t.name}</Link>
                    </td>
                    <td>{CHANNEL_LABEL[t.channel]}</td>
                    <td>{PURPOSE_LABEL[t.purpose]}</td>
                    <td>{t.fallbackLocale}</td>
                    <td className="num">{t.currentVersion}</td>
                    <td>{formatDate(t.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="card">
            No templates{channel ? ` for ${CHANNEL_LABEL[channel]}` : ""} yet.{" "}
            <Link to="/messages/templates/new">Write the first one</Link>.
          </p>
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
    </section>
  );
}

export function NewTemplate() {
  return <TemplateEditor templateId={null} initial={newDraft()} version={null} />;
}

export function EditTemplate() {
  const { id = "" } = useParams();
  const location = useLocation();
  // Read once: a later refetch (after a save) must not reset what is being edited.
  const [{ data, error, fetching }] = useQuery({
    query: MessageTemplateDocument,
    variables: { id },
    requestPolicy: "network-only",
  });
  const [opened] = useState(() => ({ notice: (location.state as { notice?: string } | null)?.notice }));
  if (error) return <RequestError error={error} />;
  if (fetching && !data) return <Loading what="Loading the template" />;
  const template = data?.messageTemplate;
  if (!template) {
    return (
      <p className="card" role="alert">
        No template {id}. <Link to="/messages/templates">Back to templates</Link>
      </p>
    );
  }
  const current = template.versions.find((v) => v.version === template.currentVersion);
  return (
    <TemplateEditor
      key={template.id}
      templateId={template.id}
      initial={draftOf(template)}
      version={template.currentVersion}
      savedBy={current ? `${actorLabel(current.actor)} on ${formatDate(current.createdAt)}` : undefined}
      notice={opened.notice}
    />
  );
}
