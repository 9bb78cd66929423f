// A funnel's versions, and the difference between any two of them: the steps added, removed
// and changed (each changed field before and after), and the funnel's own fields.
import { useState } from "react";
import { useClient, useQuery } from "urql";
import { FunnelVersionDocument } from "../generated/graphql";
import { actorLabel } from "../ui/actors";
import { formatDate } from "../ui/format";
import { RequestError } from "../ui/RequestError";
import type { Definition } from "./definition";
import { diffDefinitions, shown, type DefinitionDiff } from "./diff";

type Props = {
  funnel: { id: string; currentVersion: number; versions: { version: number; actor: string; createdAt: string }[] };
  onOpen: (definition: Definition) => void;
};

function useVersion(id: string, version: number) {
  const [result] = useQuery({ query: FunnelVersionDocument, variables: { id, version } });
  return { definition: result.data?.funnel?.version?.definition as Definition | undefined, error: result.error };
}

export function Versions({ funnel, onOpen }: Props) {
  const [to, setTo] = useState(funnel.currentVersion);
  const [from, setFrom] = useState(Math.max(1, funnel.currentVersion - 1));
  const older = useVersion(funnel.id, from);
  const newer = useVersion(funnel.id, to);
  return (
    <section className="card" aria-labelledby="versions-title">
      <h2 id="versions-title">Versions</h2>
      <div className="table-scroll">
        <table>
          <caption className="sr-only">Versions of the funnel, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Saved by</th>
              <th scope="col">Saved</th>
              <th scope="col">Compare from</th>
              <th scope="col">to</th>
              <th scope="col">
                <span className="sr-only">Open</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {funnel.versions.map((v) => (
              <tr key={v.version}>
                <td className="num">
                  {v.version}
                  {v.version === funnel.currentVersion ? " (current)" : ""}
                </td>
                <td title={v.actor}>{actorLabel(v.actor)}</td>
                <td>{formatDate(v.createdAt)}</td>
                <td>
                  <input
                    type="radio"
                    name="diff-from"
                    aria-label={`Compare from version ${v.version}`}
                    checked={from === v.version}
                    onChange={() => setFrom(v.version)}
                  />
                </td>
                <td>
                  <input
                    type="radio"
                    name="diff-to"
                    aria-label={`Compare to version ${v.version}`}
                    checked={to === v.version}
                    onChange={() => setTo(v.version)}
                  />
                </td>
                <td>
                  <OpenButton id={funnel.id} version={v.version} onOpen={onOpen} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <RequestError error={older.error ?? newer.error} />
      <h3>
        Version {from} → version {to}
      </h3>
      {from === to ? (
        <p className="hint">Choose two different versions to compare.</p>
      ) : older.definition && newer.definition ? (
        <DiffView diff={diffDefinitions(older.definition, newer.definition)} />
      ) : (
        <p className="hint">Loading the versions…</p>
      )}
    </section>
  );
}

function OpenButton({ id, version, onOpen }: { id: string; version: number; onOpen: (d: Definition) => void }) {
  const client = useClient();
  const [busy, setBusy] = useState(false);
  const open = async () => {
    setBusy(true);
    const answer = await client.query(FunnelVersionDocument, { id, version }).toPromise();
    setBusy(false);
    const definition = answer.data?.funnel?.version?.definition as Definition | undefined;
    if (definition) onOpen(definition);
  };
  return (
    <button type="button" className="secondary small" disabled={busy} onClick={open}>
      Open version {version} in the builder
    </button>
  );
}

export function DiffView({ diff }: { diff: DefinitionDiff }) {
  if (!diff.funnel.length && !diff.steps.length) return <p>The two versions are the same.</p>;
  return (
    <div className="diff">
      {diff.funnel.length ? (
        <ul className="diff-list">
          {diff.funnel.map((c) => (
            <li key={c.field} className="diff-changed">
              <strong>Funnel {c.field}</strong>: <del>{c.before}</del> → <ins>{c.after}</ins>
            </li>
          ))}
        </ul>
      ) : null}
      <ul className="diff-list">
        {diff.steps.map((s) => (
          <li key={`${s.kind}-${s.id}`} className={`diff-${s.kind}`}>
            <span className="diff-kind">{s.kind === "added" ? "Added" : s.kind === "removed" ? "Removed" : "Changed"}</span>{" "}
            <strong>{s.id}</strong> ({s.label})
            {s.kind === "changed" ? (
              <ul>
                {s.fields.map((f) => (
                  <li key={f.field}>
                    {f.field}: <del>{f.before}</del> → <ins>{f.after}</ins>
                  </li>
                ))}
              </ul>
            ) : (
              <code className="diff-step">{shown(s.step)}</code>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
