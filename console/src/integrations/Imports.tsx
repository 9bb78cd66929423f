// Bulk imports (MANAGE_INTEGRATIONS): a form that uploads a CSV file to /imports/files with
// the session's token and starts its import job (or a dry run), and the jobs, newest first,
// each running one polled every second for its progress bar, speed and time left; a
// rejected job shows its problems and its report to download, as does a done job with rows not
// loaded (their customer erased or renamed while it loaded).
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { useQuery } from "urql";
import { currentToken } from "../app/session";
import { ImportJobDocument, ImportJobsDocument, StartImportDocument, type ImportKind, type StartImportMutation } from "../generated/graphql";
import { Pager } from "../customers/Pager";
import { usePager } from "../messages/hooks";
import { Panel, Saved } from "../program/fields";
import { newKey, useSave } from "../program/useSave";
import { DownloadError, downloadFile } from "../ui/download";
import { actorLabel } from "../ui/actors";
import { formatDate } from "../ui/format";
import { Checkbox, errorFor, Field, FormErrors, Select, type UserError } from "../ui/forms";
import { Loading } from "../ui/Loading";
import { RequestError } from "../ui/RequestError";
import { duration, isRunning, KIND_NAME, KINDS, outcome, percentDone, STATUS_LABEL, STATUS_TONE, type ImportJob } from "./importLabels";

const JOBS = { additionalTypenames: ["ImportJob"] };
const PAGE = 10;
const POLL_MS = 1000;

export function Imports() {
  return (
    <>
      <StartImportForm />
      <ImportJobs />
    </>
  );
}

/** Uploads the file; its upload id, or the server's refusal as a user error on `file`. */
async function uploadFile(file: File): Promise<{ uploadId?: string; error?: UserError }> {
  const token = currentToken();
  let response: Response;
  try {
    response = await fetch(`/imports/files?fileName=${encodeURIComponent(file.name)}`, {
      method: "POST",
      headers: token ? { authorization: `Bearer ${token}`, "content-type": "text/csv" } : { "content-type": "text/csv" },
      body: file,
    });
  } catch {
    return { error: { field: "file", code: "INVALID", message: "The server could not be reached." } };
  }
  const body = (await response.json().catch(() => ({}))) as { uploadId?: string; errors?: { message: string }[] };
  if (!response.ok || !body.uploadId) {
    const message = body.errors?.map((e) => e.message).join("; ") || `The upload was refused (HTTP ${response.status}).`;
    return { error: { field: "file", code: "INVALID", message } };
  }
  return { uploadId: body.uploadId };
}

const startPayload = (data: StartImportMutation) => data.startImport;

function StartImportForm() {
  const [kind, setKind] = useState<ImportKind>("CUSTOMERS");
  const [file, setFile] = useState<File | null>(null);
  const [mapping, setMapping] = useState<File | null>(null);
  const [dryRun, setDryRun] = useState(false);
  const [earn, setEarn] = useState(false);
  const [uploading, setUploading] = useState(false);
  const [key, setKey] = useState(newKey);
  const [formKey, setFormKey] = useState(0);
  const { errors, requestError, saving, saved, save } = useSave(StartImportDocument, startPayload);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) {
      await save({ input: { kind, uploadId: "" } }, [{ field: "file", code: "REQUIRED", message: "Choose the CSV file to import." }]);
      return;
    }
    setUploading(true);
    const uploaded = await uploadFile(file);
    const mappingText = mapping ? await mapping.text() : null;
    setUploading(false);
    if (!uploaded.uploadId) {
      await save({ input: { kind, uploadId: "" } }, [uploaded.error!]);
      return;
    }
    const input = { kind, uploadId: uploaded.uploadId, mapping: mappingText, dryRun, earn: kind === "PURCHASES" && earn, idempotencyKey: key };
    if (await save({ input })) {
      setFile(null);
      setMapping(null);
      setDryRun(false);
      setEarn(false);
      setKey(newKey());
      setFormKey((n) => n + 1); // empties the file inputs
    }
  }

  const job = saved?.startImport.job;
  return (
    <Panel
      title="Import a file"
      description="A CSV file in the documented format (or another export's, with a mapping file). Every row is checked first: a file with a bad row imports nothing. The same file imported again changes nothing."
    >
      <form onSubmit={submit} noValidate aria-label="Import a file" key={formKey}>
        <div className="form-grid">
          <Select
            label="Kind"
            value={kind}
            onChange={(e) => setKind(e.target.value as ImportKind)}
            options={KINDS}
            error={errorFor(errors, "kind")}
          />
          <Field label="CSV file" type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} error={errorFor(errors, "file") ?? errorFor(errors, "uploadId")} />
          <Field
            label="Mapping file (optional)"
            type="file"
            accept=".yaml,.yml,text/yaml"
            onChange={(e) => setMapping(e.target.files?.[0] ?? null)}
            hint="YAML naming the file's own headers."
            error={errorFor(errors, "mapping")}
          />
        </div>
        {kind === "PURCHASES" ? (
          <Checkbox
            label="Earn points"
            checked={earn}
            onChange={(e) => setEarn(e.target.checked)}
            hint="Each order earns what today's earning rule gives it, credited now. Unchecked: history only, no points."
          />
        ) : null}
        <Checkbox label="Check only (dry run)" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} hint="Checks every row and writes nothing but the report." />
        <FormErrors errors={errors} fields={["kind", "file", "uploadId", "mapping", "earn"]} />
        <RequestError error={requestError} />
        <div className="actions">
          <button type="submit" disabled={saving || uploading}>
            {uploading ? "Uploading…" : "Start"}
          </button>
          <Saved show={saved !== null}>
            {job ? `${saved?.startImport.existing ? "Already started" : "Started"}: import ${job.id} of ${job.fileName}.` : null}
          </Saved>
        </div>
      </form>
    </Panel>
  );
}

function ImportJobs() {
  const pager = usePager();
  const variables = useMemo(() => ({ first: PAGE, after: pager.after }), [pager.after]);
  const [list] = useQuery({ query: ImportJobsDocument, variables, context: JOBS });
  const jobs = list.data?.importJobs;
  return (
    <section aria-labelledby="import-jobs-title">
      <div className="section-head">
        <h2 id="import-jobs-title">Import jobs</h2>
      </div>
      {!jobs ? (
        list.fetching ? <Loading /> : <RequestError error={list.error} />
      ) : jobs.nodes.length ? (
        <ul className="import-jobs">
          {jobs.nodes.map((job) => (
            <JobCard key={job.id} listed={job} />
          ))}
        </ul>
      ) : (
        <p className="card">No import yet.</p>
      )}
      {jobs ? (
        <Pager
          label="Pages of the import jobs"
          page={pager.page}
          hasNext={jobs.pageInfo.hasNextPage}
          onPrevious={pager.previous}
          onNext={() => pager.next(jobs.pageInfo.endCursor)}
          previousLabel="Newer"
          nextLabel="Older"
        />
      ) : null}
    </section>
  );
}

/** The job as listed, or as its latest poll says while it runs. */
function useLiveJob(listed: ImportJob): ImportJob {
  const running = isRunning(listed.status);
  const [live, refresh] = useQuery({ query: ImportJobDocument, variables: { id: listed.id }, pause: !running, requestPolicy: "network-only" });
  const job = live.data?.importJob ?? listed;
  const stillRunning = running && isRunning(job.status);
  useEffect(() => {
    if (!stillRunning) return;
    const timer = window.setInterval(() => refresh({ requestPolicy: "network-only" }), POLL_MS);
    return () => window.clearInterval(timer);
  }, [stillRunning, refresh]);
  return job;
}

function JobCard({ listed }: { listed: ImportJob }) {
  const job = useLiveJob(listed);
  const percent = percentDone(job);
  const title = `Import ${job.id}: ${job.fileName}`;
  return (
    <li className="card import-job" aria-label={title}>
      <div className="import-job-head">
        <h3>
          {job.fileName} <span className="hint">#{job.id}</span>
        </h3>
        <span className={`status-chip tone-${STATUS_TONE[job.status]}`}>{STATUS_LABEL[job.status]}</span>
      </div>
      <p className="hint">
        {KIND_NAME[job.kind]}
        {job.dryRun ? " · dry run" : ""}{job.earn ? " · earning" : ""} · from the {job.source === "CLI" ? "command line" : "console or API"} by {actorLabel(job.actor)} · {formatDate(job.createdAt)}
      </p>
      {percent !== null ? (
        <div
          className="progress"
          role="progressbar"
          aria-label={`Progress of ${job.fileName}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          aria-valuetext={`${percent}%`}
        >
          <div className="progress-bar" style={{ width: `${percent}%` }} />
        </div>
      ) : null}
      {isRunning(job.status) ? <Speed job={job} /> : <p>{outcome(job)}</p>}
      {job.status === "REJECTED" || (job.status === "DONE" && job.rowsRejected > 0) ? <Problems job={job} /> : null}
    </li>
  );
}

function Speed({ job }: { job: ImportJob }) {
  const rows = job.status === "LOADING" ? `${job.rowsLoaded.toLocaleString("en")} of ${job.rowsChecked.toLocaleString("en")} rows loaded` : `${job.rowsChecked.toLocaleString("en")} of ${(job.rowsExpected ?? 0).toLocaleString("en")} rows checked`;
  return (
    <p role="status">
      {rows}
      {job.rowsPerSecond !== null ? ` · ${Math.round(job.rowsPerSecond).toLocaleString("en")} rows/s` : ""}
      {job.secondsLeft !== null ? ` · ${duration(job.secondsLeft)} left` : ""}
    </p>
  );
}

function Problems({ job }: { job: ImportJob }) {
  const [error, setError] = useState<string | null>(null);
  async function download() {
    setError(null);
    try {
      await downloadFile(job.problemsPath, `import-${job.id}.problems.csv`);
    } catch (e) {
      setError(e instanceof DownloadError ? e.message : "The download failed.");
    }
  }
  return (
    <details open>
      <summary>
        {job.problemsCount.toLocaleString("en")} {job.status === "DONE" ? "row" : "bad row"}
        {job.problemsCount === 1 ? "" : "s"}
        {job.status === "DONE" ? " not loaded" : ""}
        {job.problems.length < job.problemsCount ? ` (the first ${job.problems.length} shown)` : ""}
      </summary>
      <div className="table-scroll">
        <table className="import-problems">
          <caption className="visually-hidden">Problems of {job.fileName}</caption>
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col">Column</th>
              <th scope="col">Code</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {job.problems.map((p, i) => (
              <tr key={i}>
                <td>{p.line}</td>
                <td>{p.column ?? <span className="hint">whole row</span>}</td>
                <td>{p.code}</td>
                <td>{p.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => void download()}>
          Download the report (CSV)
        </button>
        {error ? (
          <small className="error" role="alert">
            {error}
          </small>
        ) : null}
      </div>
    </details>
  );
}
