import { data } from "react-router";

// Unknown paths: a real 404 status, rendered by the root error boundary inside the shell.
export function loader() {
  throw data("Not found", { status: 404 });
}

export default function NotFound() {
  return null;
}
