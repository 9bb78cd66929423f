// Downloading a file the server makes for staff only (a voucher batch's codes): fetched with
// the session's bearer token, then handed to the browser as a file from a Blob.
import { currentToken } from "../app/session";

/** The refusal in the server's words (JSON errors[].message), else the HTTP status. */
async function refusal(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { errors?: { message?: string }[] };
    const message = body.errors?.map((e) => e.message).filter(Boolean).join("; ");
    if (message) return message;
  } catch {
    // Not JSON: fall back to the status.
  }
  return `The server answered ${response.status} ${response.statusText}.`.trim();
}

function filenameOf(response: Response, fallback: string): string {
  const disposition = response.headers.get("content-disposition") ?? "";
  return /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallback;
}

/** Fetches `path` with the bearer token and saves it; throws an Error saying why not. */
export async function downloadFile(path: string, fallbackName: string): Promise<void> {
  const token = currentToken();
  let response: Response;
  try {
    response = await fetch(path, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  } catch {
    throw new Error("The server could not be reached.");
  }
  if (!response.ok) throw new Error(await refusal(response));
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filenameOf(response, fallbackName);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
