// The error boundary of a page section (a service tab): the shell and the tabs stay, the error is
// said where the content would have been, with a way back.
import { isRouteErrorResponse, Link } from "react-router";
import { Alert } from "./ui/alert.tsx";

export function SectionError({ error, resetTo }: { error: unknown; resetTo: string }) {
  const message =
    isRouteErrorResponse(error) && typeof error.data === "string" && error.status < 500
      ? error.data
      : "This section could not be loaded. Please try again; if it keeps happening, contact support.";
  return (
    <Alert tone="danger" role="alert">
      <span>
        {message}{" "}
        <Link to={resetTo} className="underline">
          Start over
        </Link>
        .
      </span>
    </Alert>
  );
}
