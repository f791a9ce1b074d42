import { data } from "react-router";

// Invoices belong to signed-in customers; without one, no invoice exists to show.
export function loader() {
  throw data("Not found", { status: 404 });
}

export default function Invoice() {
  return null;
}
