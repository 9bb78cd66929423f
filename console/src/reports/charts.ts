// Only the parts of Chart.js the reports draw (bars and a doughnut), so the page's chunk stays
// small; react-chartjs-2's Bar and Doughnut register their own controllers.
import { ArcElement, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";

Chart.register(ArcElement, BarElement, CategoryScale, LinearScale, Legend, Tooltip);
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily || "system-ui, sans-serif";
Chart.defaults.color = "#4b5563";

// Colours that stay apart for the common colour-vision deficiencies, on white.
export const COLORS = {
  earned: "#146c2e",
  spent: "#0b57d0",
  takenBack: "#b3261e",
  expired: "#a15c00",
  other: "#6b7280",
  series: ["#0b57d0", "#146c2e", "#a15c00", "#8e24aa", "#b3261e", "#00796b", "#6b7280", "#c2185b"],
};
