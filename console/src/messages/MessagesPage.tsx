// The Messages page: templates (with the editor, its live preview and test sends), the
// delivery log, and the notification settings, each a sub-page with its own address.
import { NavLink, Navigate, Route, Routes } from "react-router";
import { useSession } from "../app/session";
import { DeliveryLog } from "./log/DeliveryLog";
import { SettingsPage } from "./settings/SettingsPage";
import { EditTemplate, NewTemplate, TemplateList } from "./templates/TemplatePages";
import "./messages.css";

export default function MessagesPage() {
  const { can } = useSession();
  // The delivery log is a report (READ_REPORTS); every role that manages messages holds it today.
  const log = can("READ_REPORTS");
  return (
    <div className="messages">
      <h1>Messages</h1>
      <nav className="subnav" aria-label="Messages">
        <ul>
          <li>
            <NavLink to="/messages/templates">Templates</NavLink>
          </li>
          {log ? (
            <li>
              <NavLink to="/messages/log">Delivery log</NavLink>
            </li>
          ) : null}
          <li>
            <NavLink to="/messages/settings">Settings</NavLink>
          </li>
        </ul>
      </nav>
      <Routes>
        <Route index element={<Navigate to="/messages/templates" replace />} />
        <Route path="templates" element={<TemplateList />} />
        <Route path="templates/new" element={<NewTemplate />} />
        <Route path="templates/:id" element={<EditTemplate />} />
        {log ? <Route path="log" element={<DeliveryLog />} /> : null}
        <Route path="settings" element={<SettingsPage />} />
        <Route path="*" element={<Navigate to="/messages/templates" replace />} />
      </Routes>
    </div>
  );
}
