// The shortcodes the server knows (messageShortcodes), each a button that writes it at the
// cursor of the part being edited.
import { useQuery } from "urql";
import { MessageShortcodesDocument, type MessageShortcodesQuery } from "../../generated/graphql";
import { RequestError } from "../../ui/RequestError";
import { Loading } from "../../ui/Loading";

export type Shortcode = MessageShortcodesQuery["messageShortcodes"][number];

export function ShortcodePalette({ into, onInsert }: { into: string; onInsert: (code: string) => void }) {
  const [{ data, fetching, error }] = useQuery({ query: MessageShortcodesDocument });
  return (
    <section className="palette" aria-labelledby="palette-title">
      <h3 id="palette-title">Shortcodes</h3>
      <p className="hint" aria-live="polite">
        Inserts at the cursor in <strong>{into}</strong>.
      </p>
      {fetching && !data ? <Loading what="Loading shortcodes" /> : null}
      <RequestError error={error} />
      {data ? <ShortcodeList shortcodes={data.messageShortcodes} onInsert={onInsert} /> : null}
    </section>
  );
}

export function ShortcodeList({
  shortcodes,
  onInsert,
}: {
  shortcodes: Shortcode[];
  onInsert: (code: string) => void;
}) {
  return (
    <ul className="palette-list">
      {shortcodes.map((s) => (
        <li key={s.name}>
          <button
            type="button"
            className="secondary palette-item"
            onClick={() => onInsert(s.code)}
            aria-label={`Insert ${s.code}: ${s.meaning}`}
          >
            <code>{s.code}</code>
            <span className="palette-meaning">{s.meaning.replace(/`/g, "")}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
