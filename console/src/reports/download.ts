// Downloads a file the server sends only to a signed-in caller: fetched with the bearer token
// (a plain link could not send the header), then saved from an object URL.

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
    // not JSON: fall through to the status
  }
  return `The server refused the export (HTTP ${response.status}).`;
}

export async function downloadWithToken(url: string, token: string | null, filename: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch {
    throw new DownloadError(0, "The server could not be reached.");
  }
  if (!response.ok) throw new DownloadError(response.status, await refusal(response));
  const blob = await response.blob();
  const href = URL.createObjectURL(blob);
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
