import { useId, useState, type ReactNode } from "react";

/** A chart drawn for the eye (its canvas labelled with its message in one sentence), with the same figures as a table: read by screen readers while
 * the chart shows (visually hidden), and shown instead of the chart by "Show as table". */
export function ChartWithTable({
  title,
  summary,
  chart,
  table,
  empty,
  note,
}: {
  title: string;
  /** The chart's message in one sentence, for the canvas's label. */
  summary: string;
  /** The chart, given the label its canvas (role img) must carry. */
  chart: (label: string) => ReactNode;
  /** The table's caption, head and body (the <table> itself is drawn here). */
  table: ReactNode;
  /** Said instead of an empty chart. */
  empty?: string;
  note?: ReactNode;
}) {
  const [asTable, setAsTable] = useState(false);
  const headingId = useId();
  return (
    <section className="card report-panel" aria-labelledby={headingId}>
      <div className="panel-head">
        <h2 id={headingId}>{title}</h2>
        {empty ? null : (
          <button type="button" className="secondary small" onClick={() => setAsTable(!asTable)}>
            {asTable ? "Show as chart" : "Show as table"}
          </button>
        )}
      </div>
      {note}
      {empty ? (
        <p className="muted">{empty}</p>
      ) : asTable ? (
        <ScrollTable label={`${title}, as a table`}>{table}</ScrollTable>
      ) : (
        <>
          <div className="chart-box">{chart(summary)}</div>
          <div className="visually-hidden">
            <table>{table}</table>
          </div>
        </>
      )}
    </section>
  );
}

/** A table that scrolls inside its box at phone width (focusable, so the keyboard can scroll it). */
export function ScrollTable({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-scroll" role="region" aria-label={label} tabIndex={0}>
      <table>{children}</table>
    </div>
  );
}
