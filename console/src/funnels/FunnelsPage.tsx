// The Funnels page (MANAGE_FUNNELS): the list, the builder of a new or saved funnel, and the
// saved segments. Loaded on first visit; React Flow and its CSS come with the builder only.
import { lazy, Suspense } from "react";
import { NavLink, Route, Routes } from "react-router";
import { Loading } from "../ui/Loading";
import { FunnelList } from "./FunnelList";
import { SegmentsPage } from "./SegmentsPage";
import "./funnels.css";

const FunnelBuilder = lazy(() => import("./FunnelBuilder"));

export default function FunnelsPage() {
  return (
    <div className="funnels">
      <nav aria-label="Funnels sections" className="subnav">
        <NavLink to="/funnels" end>
          Funnels
        </NavLink>
        <NavLink to="/funnels/segments">Segments</NavLink>
      </nav>
      <Suspense fallback={<Loading what="Loading the builder" />}>
        <Routes>
          <Route index element={<FunnelList />} />
          <Route path="segments" element={<SegmentsPage />} />
          <Route path="new" element={<FunnelBuilder />} />
          <Route path=":id" element={<FunnelBuilder />} />
        </Routes>
      </Suspense>
    </div>
  );
}
