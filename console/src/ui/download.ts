// Downloading a file the server sends only to a signed-in caller (a voucher batch's codes,
// the movements CSV): fetched with the session's bearer token, which a plain link could not
// send, then handed to the browser as a file from an object URL.
import { currentToken } from "../app/session";

/** Why a download failed; `status` is the HTTP status (0: the server was not reached). */
export class DownloadError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The server's refusal in words: its JSON errors' messages, or the HTTP status. */
async function refusal(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { errors?: { message?: string }[] };
    const messages = (body.errors ?? []).map((e) => e.message).filter(Boolean);
    if (messages.length) return messages.join("; ");
  } catch {
    // Not JSON: fall back to the status.
  }
  return `The server refused the download (HTTP ${response.status}).`;
}

/** Fetches `path` with the bearer token and saves it as `filename`; throws a DownloadError
 * saying why not. */
export async function downloadFile(
  path: string,
  filename: string,
  token: string | null = currentToken(),
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch {
    throw new DownloadError(0, "The server could not be reached.");
  }
  if (!response.ok) throw new DownloadError(response.status, await refusal(response));
  const href = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = href;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has started reading the blob; let it finish before releasing it.
  window.setTimeout(() => URL.revokeObjectURL(href), 60_000);
}
