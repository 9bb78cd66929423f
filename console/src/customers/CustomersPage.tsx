// The Customers feature: the search (with the customers list and registration) and each
// customer's page.
import { Route, Routes } from "react-router";
import { CustomerSearch } from "./CustomerSearch";
import { CustomerPage } from "./CustomerPage";
import "./customers.css";

export default function CustomersPage() {
  return (
    <Routes>
      <Route index element={<CustomerSearch />} />
      <Route path=":id" element={<CustomerPage />} />
    </Routes>
  );
}
