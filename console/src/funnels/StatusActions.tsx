// A funnel's status and the moves it allows: activate a draft, pause an active funnel, resume
// a paused one, archive any (asked to confirm: it is final). A refused move shows its reason.
import { useState } from "react";
import { useMutation } from "urql";
import {
  ActivateFunnelDocument,
  ArchiveFunnelDocument,
  PauseFunnelDocument,
  ResumeFunnelDocument,
  type FunnelStatus,
} from "../generated/graphql";
import { FormErrors, type UserError } from "../ui/forms";
import { RequestError } from "../ui/RequestError";

const STATUS_TEXT: Record<FunnelStatus, string> = {
  DRAFT: "Draft",
  ACTIVE: "Active",
  PAUSED: "Paused",
  ARCHIVED: "Archived",
};

export function StatusBadge({ status }: { status: FunnelStatus }) {
  return <span className={`badge status-${status.toLowerCase()}`}>{STATUS_TEXT[status] ?? status}</span>;
}

type Props = { funnel: { id: string; status: FunnelStatus }; dirty: boolean; onDone: () => void };

export function StatusActions({ funnel, dirty, onDone }: Props) {
  const [activation, activate] = useMutation(ActivateFunnelDocument);
  const [pausing, pause] = useMutation(PauseFunnelDocument);
  const [resuming, resume] = useMutation(ResumeFunnelDocument);
  const [archiving, archive] = useMutation(ArchiveFunnelDocument);
  const [errors, setErrors] = useState<readonly UserError[]>([]);
  const [confirmArchive, setConfirmArchive] = useState(false);
  const busy = activation.fetching || pausing.fetching || resuming.fetching || archiving.fetching;
  const error = activation.error ?? pausing.error ?? resuming.error ?? archiving.error;

  type Payload = { userErrors: UserError[] } | null | undefined;
  type Move = (variables: { id: string }) => Promise<{ data?: Record<string, Payload> | null }>;
  const run = async (move: Move) => {
    const answer = await move({ id: funnel.id });
    const payload = answer.data ? Object.values(answer.data)[0] : null;
    if (!payload) return;
    setErrors(payload.userErrors);
    if (!payload.userErrors.length) onDone();
  };

  return (
    <div className="status-actions">
      {funnel.status === "DRAFT" ? (
        <button type="button" onClick={() => run(activate)} disabled={busy || dirty} title={dirty ? "Save first" : undefined}>
          Activate
        </button>
      ) : null}
      {funnel.status === "ACTIVE" ? (
        <button type="button" className="secondary" onClick={() => run(pause)} disabled={busy}>
          Pause
        </button>
      ) : null}
      {funnel.status === "PAUSED" ? (
        <button type="button" onClick={() => run(resume)} disabled={busy}>
          Resume
        </button>
      ) : null}
      {funnel.status !== "ARCHIVED" ? (
        confirmArchive ? (
          <span className="confirm" role="group" aria-label="Confirm archiving">
            Archive for good?{" "}
            <button type="button" className="danger" onClick={() => run(archive).then(() => setConfirmArchive(false))} disabled={busy}>
              Yes, archive
            </button>{" "}
            <button type="button" className="secondary" onClick={() => setConfirmArchive(false)}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" className="secondary" onClick={() => setConfirmArchive(true)} disabled={busy}>
            Archive
          </button>
        )
      ) : null}
      {dirty && funnel.status === "DRAFT" ? <small className="hint">Save before activating.</small> : null}
      <RequestError error={error} />
      <FormErrors errors={errors} />
    </div>
  );
}
