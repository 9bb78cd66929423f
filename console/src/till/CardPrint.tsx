// A card ready to print: its barcode (fetched with the session's token) and its holder's
// name; Print prints this part of the page only.
import { useBarcode } from "../ui/cards";

export function CardPrint({
  code,
  holder,
  onClose,
}: {
  code: string;
  holder: string;
  onClose: () => void;
}) {
  const barcode = useBarcode(code);
  return (
    <div className="card-print" role="region" aria-label={`Card ${code} to print`}>
      {barcode.state === "ready" ? (
        <img src={barcode.url} alt={`Barcode of card ${code}`} className="card-barcode" />
      ) : barcode.state === "failed" ? (
        <p className="request-error" role="alert">
          The barcode could not be drawn: {barcode.message}
        </p>
      ) : (
        <p className="hint">Drawing the barcode…</p>
      )}
      <p className="card-holder">{holder}</p>
      <div className="no-print">
        <button type="button" onClick={() => window.print()} disabled={barcode.state !== "ready"}>
          Print
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
