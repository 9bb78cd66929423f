// Bulk imports' words and numbers: a status's label and tone, how far a job is (for its
// progress bar), its speed and what it did, in the console's words.
import type { ImportJobStatus, ImportJobsQuery, ImportKind } from "../generated/graphql";

export type ImportJob = ImportJobsQuery["importJobs"]["nodes"][number];


/** A job's kind, short, as its card names it. */
export const KIND_NAME: Record<ImportKind, string> = {
  CUSTOMERS: "Customers",
  BALANCES: "Opening balances",
  PURCHASES: "Historical purchases",
};

// The form's choice of kind (what each file holds is in the form's hint).
export const KINDS = (Object.keys(KIND_NAME) as ImportKind[]).map((value) => ({ value, label: KIND_NAME[value] }));

export const STATUS_LABEL: Record<ImportJobStatus, string> = {
  QUEUED: "Waiting for a worker",
  STAGING: "Checking rows",
  LOADING: "Loading",
  DONE: "Done",
  REJECTED: "Rejected",
  CHECKED: "Checked: all rows good",
  FAILED: "Failed",
};

export const STATUS_TONE: Record<ImportJobStatus, string> = {
  QUEUED: "wait",
  STAGING: "wait",
  LOADING: "wait",
  DONE: "good",
  REJECTED: "bad",
  CHECKED: "good",
  FAILED: "bad",
};

const RUNNING: ImportJobStatus[] = ["QUEUED", "STAGING", "LOADING"];

export function isRunning(status: ImportJobStatus): boolean {
  return RUNNING.includes(status);
}

/** How far the job is, 0 to 100: the rows checked of the rows expected while checking, the
 * rows loaded of the rows checked while loading; null when it ended without loading. */
export function percentDone(job: Pick<ImportJob, "status" | "rowsExpected" | "rowsChecked" | "rowsLoaded">): number | null {
  const ratio = (done: number, total: number | null) => (total ? Math.min(100, Math.floor((done * 100) / total)) : 0);
  switch (job.status) {
    case "QUEUED":
      return 0;
    case "STAGING":
      return ratio(job.rowsChecked, job.rowsExpected);
    case "LOADING":
      return ratio(job.rowsLoaded, job.rowsChecked);
    case "DONE":
    case "CHECKED":
      return 100;
    default:
      return null;
  }
}

/** "2 min 5 s", "45 s". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const count = (n: number) => n.toLocaleString("en");

/** What a job did or found, in a sentence. */
export function outcome(job: ImportJob): string {
  switch (job.status) {
    case "DONE": {
      const gone = job.rowsRejected > 0 ? ` ${count(job.rowsRejected)} not loaded: their customer was erased or changed reference while the file loaded.` : "";
      if (job.kind === "PURCHASES") {
        const earned = job.earn ? `, ${count(job.pointsEarned)} points earned` : " (history only, no points)";
        return `${count(job.rowsLoaded)} lines: ${count(job.purchasesCreated)} purchases created, ${count(job.purchasesSkipped)} already in Tessera${earned}.${gone}`;
      }
      return `${count(job.rowsLoaded)} rows: ${count(job.customersCreated)} customers created, ${count(job.balancesOpened)} opening balances (${count(job.pointsOpened)} points).${gone}`;
    }
    case "CHECKED":
      return `All ${count(job.rowsChecked)} rows are good. Nothing was written.`;
    case "REJECTED":
      return `${count(job.rowsRejected)} bad rows of ${count(job.rowsChecked)}. Nothing was ${job.dryRun ? "written" : "imported"}.`;
    case "FAILED":
      return job.error ?? "The file cannot be read.";
    default:
      return "";
  }
}
