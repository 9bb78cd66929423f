import { useState } from "react";
import { useSession } from "../app/session";
import { DownloadError, downloadFile } from "../ui/download";

/** "Download CSV" of a report: the export at `path` (with its query), sent with the session's token. */
export function CsvButton({ path, filename, label = "Download CSV" }: { path: string; filename: string; label?: string }) {
  const { signOut } = useSession();
  const [state, setState] = useState<{ busy: boolean; done?: string; failed?: string }>({ busy: false });
  const download = async () => {
    setState({ busy: true });
    try {
      await downloadFile(path, filename);
      setState({ busy: false, done: `Downloaded ${filename}.` });
    } catch (error) {
      if (error instanceof DownloadError && error.status === 401) {
        signOut("Your session has ended: sign in again.");
        return;
      }
      const message = error instanceof Error ? error.message : "The export failed.";
      const forbidden = error instanceof DownloadError && error.status === 403;
      setState({ busy: false, failed: forbidden ? `Your role may not export. ${message}` : message });
    }
  };
  return (
    <div className="csv-download">
      <button type="button" className="secondary small" onClick={download} disabled={state.busy}>
        {state.busy ? "Preparing CSV…" : label}
      </button>
      <span role="status" className="ok small-print">
        {state.done ?? ""}
      </span>
      {state.failed ? (
        <p role="alert" className="request-error">
          {state.failed}
        </p>
      ) : null}
    </div>
  );
}

/** An export's path with its query parameters. */
export function exportPath(name: string, params: Record<string, string>): string {
  return `/exports/${name}.csv?${new URLSearchParams(params).toString()}`;
}
