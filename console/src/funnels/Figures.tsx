// The figures drawn on the funnel's graph: the bar choosing them (none, a dry run, the
// statistics) with the Simulate button, and the dry run's summary.
import { formatMoney, formatPoints } from "../ui/format";
import type { Simulation } from "./overlay";

export type Figures = "none" | "simulation" | "statistics";

export function FiguresBar(props: {
  figures: Figures;
  setFigures: (f: Figures) => void;
  hasStatistics: boolean;
  simulate: () => void;
  simulating: boolean;
  timeTravel: boolean;
  setTimeTravel: (on: boolean) => void;
  stale: boolean;
}) {
  const options: { value: Figures; label: string }[] = [
    { value: "none", label: "None" },
    { value: "simulation", label: "Dry run" },
    ...(props.hasStatistics ? [{ value: "statistics" as const, label: "Statistics" }] : []),
  ];
  return (
    <div className="figures-bar">
      <div className="row">
        <button type="button" onClick={props.simulate} disabled={props.simulating}>
          {props.simulating ? "Simulating…" : "Simulate"}
        </button>
        <label className="check">
          <input type="checkbox" checked={props.timeTravel} onChange={(e) => props.setTimeTravel(e.target.checked)} />
          Time travel (waits run on a simulated clock)
        </label>
      </div>
      <fieldset className="radios">
        <legend>Figures on the graph</legend>
        {options.map((o) => (
          <label key={o.value} className="check">
            <input
              type="radio"
              name="figures"
              value={o.value}
              checked={props.figures === o.value}
              onChange={() => props.setFigures(o.value)}
            />
            {o.label}
          </label>
        ))}
      </fieldset>
      {props.stale && props.figures === "simulation" ? (
        <p className="hint">The graph changed since this dry run: simulate again for fresh figures.</p>
      ) : null}
    </div>
  );
}

export function SimulationSummary({ simulation }: { simulation: Simulation }) {
  const t = simulation.totals;
  return (
    <section className="card sim-summary" aria-labelledby="sim-title">
      <h2 id="sim-title">Dry run</h2>
      <p className="hint">Nothing was written: what the funnel would do if its customers entered now, on today's data.</p>
      <dl className="stats">
        <div><dt>Audience</dt><dd>{formatPoints(simulation.audience)}</dd></div>
        <div><dt>Would enter</dt><dd>{formatPoints(simulation.entered)}</dd></div>
        <div><dt>Completed</dt><dd>{formatPoints(t.completed)}</dd></div>
        <div><dt>Exited</dt><dd>{formatPoints(t.exited)}</dd></div>
        <div><dt>Failed</dt><dd>{formatPoints(t.failed)}</dd></div>
        <div><dt>Points added</dt><dd>{formatPoints(t.points.added)}</dd></div>
        <div><dt>Liability</dt><dd>{formatMoney(t.points.liabilityMinor, simulation.currency ?? undefined)}</dd></div>
        <div><dt>Messages</dt><dd>{formatPoints(t.messages.reduce((s, m) => s + m.wouldSend, 0))}</dd></div>
      </dl>
    </section>
  );
}
