import { Form, Link } from "react-router";
import { Alert } from "./ui/alert.tsx";
import { Button } from "./ui/button.tsx";

export interface ConfirmRequest {
  message: string;
  label: string;
  fields: Record<string, string>;
}

/**
 * The second step of a destructive action (spec §4): the first submit asks, this form confirms.
 * Works the same with and without JavaScript.
 */
export function ConfirmPanel({ confirm, cancelHref }: { confirm: ConfirmRequest; cancelHref: string }) {
  return (
    <Alert tone="warning" layout="stack" className="mb-4 gap-3" role="alertdialog" aria-label="Confirm">
      <p>{confirm.message}</p>
      <Form method="post" className="flex gap-2">
        {Object.entries(confirm.fields).map(([name, value]) => (
          <input key={name} type="hidden" name={name} value={value} />
        ))}
        <input type="hidden" name="confirmed" value="yes" />
        <Button type="submit" variant="danger" size="sm">
          {confirm.label}
        </Button>
        <Link to={cancelHref} className="inline-flex h-8 items-center rounded-md px-3 text-sm underline">
          Cancel
        </Link>
      </Form>
    </Alert>
  );
}
