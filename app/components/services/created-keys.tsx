import { Check, Copy } from "lucide-react";
import { useEffect, useState } from "react";
import { Alert } from "#app/components/ui/alert.tsx";

function CopyButton({ value }: { value: string }) {
  const [ready, setReady] = useState(false);
  const [copied, setCopied] = useState(false);
  useEffect(() => setReady(true), []);
  if (!ready) return null;
  return (
    <button
      type="button"
      onClick={async () => {
        await navigator.clipboard.writeText(value);
        setCopied(true);
      }}
      className="inline-flex h-7 items-center gap-1 rounded border border-emerald-300 px-2 text-xs hover:bg-emerald-100 dark:border-emerald-700 dark:hover:bg-emerald-900/40"
    >
      {copied ? <Check className="h-3 w-3" aria-hidden /> : <Copy className="h-3 w-3" aria-hidden />}
      {copied ? "Copied" : "Copy"}
    </button>
  );
}

/** New API keys, in full, exactly once: the page that answers the creation is the only place they appear. */
export function CreatedKeys({ keys, heading }: { keys: string[]; heading?: string | undefined }) {
  return (
    <Alert tone="success" layout="stack" className="mb-4 gap-2" data-testid="created-keys">
      {heading ? <p className="font-semibold">{heading}</p> : null}
      <p>
        Copy {keys.length === 1 ? "this API key" : "these API keys"} now. For your security{" "}
        {keys.length === 1 ? "it" : "they"} will never be shown again — we only keep a hash.
      </p>
      <ul className="flex flex-col gap-2">
        {keys.map((key) => (
          <li key={key} className="flex flex-wrap items-center gap-2">
            <code
              className="rounded bg-white px-2 py-1 font-mono text-sm select-all dark:bg-zinc-950"
              data-testid="created-key"
            >
              {key}
            </code>
            <CopyButton value={key} />
          </li>
        ))}
      </ul>
    </Alert>
  );
}
