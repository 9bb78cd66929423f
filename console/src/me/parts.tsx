// Small pieces the customer area's pages share.
import { useEffect, useRef } from "react";
import type { LedgerEntryKind } from "../generated/graphql";
import { formatDate, formatPoints } from "../ui/format";
import { kindInWords, signedPoints } from "./words";

export type Movement = {
  points: number;
  kind: LedgerEntryKind;
  note: string | null;
  balanceAfter: number;
  createdAt: string;
};

/** One movement of the customer's points, as a line of a list. */
export function MovementLine({ movement, focus = false }: { movement: Movement; focus?: boolean }) {
  const line = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (focus) line.current?.focus();
  }, [focus]);
  return (
    <li className="me-movement" ref={line} tabIndex={focus ? -1 : undefined}>
      <div className="me-movement-what">
        <span className="me-movement-kind">{kindInWords(movement.kind)}</span>
        {movement.note ? <span className="me-movement-note">{movement.note}</span> : null}
        <time dateTime={movement.createdAt} className="me-muted">
          {formatDate(movement.createdAt)}
        </time>
      </div>
      <div className="me-movement-points">
        <span className={movement.points < 0 ? "me-debit" : "me-credit"}>
          {signedPoints(movement.points)}
          <span className="visually-hidden"> points</span>
        </span>
        <span className="me-muted">balance {formatPoints(movement.balanceAfter)}</span>
      </div>
    </li>
  );
}

/** A badge's icon when the page may load it (this site or inline: the console's CSP refuses
 * other sites' images), else nothing: the title says what it is. */
export function BadgeIcon({ url }: { url: string | null }) {
  if (!url || !(url.startsWith("/") || url.startsWith("data:image/"))) return null;
  return <img className="me-badge-icon" src={url} alt="" width={32} height={32} />;
}
