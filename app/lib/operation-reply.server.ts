// Turning a refused operation into the form's answer: the field it concerns (or the whole form),
// with the operation's status (400 bad input, 402 refused charge, 404 not yours, 409 conflict,
// 429 rate limited). Nothing was changed when any of these is returned.
import type { SubmissionResult } from "@conform-to/react";
import { data } from "react-router";
import { OperationError } from "#app/domain/service-operations.ts";
import { CustomerBusyError } from "#db/customer-lock.ts";
import { isHttpError } from "./http-errors.server.ts";

interface Replier {
  reply(options?: {
    formErrors?: string[];
    fieldErrors?: Record<string, string[]>;
  }): SubmissionResult<string[]>;
}

export function replyWithError<T extends Record<string, unknown>>(
  submission: Replier,
  error: unknown,
  extra: T,
) {
  if (error instanceof OperationError) {
    const result = error.field
      ? submission.reply({ fieldErrors: { [error.field]: [error.message] } })
      : submission.reply({ formErrors: [error.message] });
    return data({ ...extra, result }, { status: error.status });
  }
  if (error instanceof CustomerBusyError) {
    return data({ ...extra, result: submission.reply({ formErrors: [error.message] }) }, { status: 409 });
  }
  if (isHttpError(error)) {
    return data(
      { ...extra, result: submission.reply({ formErrors: [error.message] }) },
      { status: error.status, headers: error.headers },
    );
  }
  throw error;
}

/**
 * Route `headers` export for pages whose actions can be rate limited: a document response only
 * carries action headers a route passes on, and a 429 must say when to retry.
 */
export function passRetryAfter({ actionHeaders }: { actionHeaders: Headers }): Headers {
  const headers = new Headers();
  const retryAfter = actionHeaders.get("Retry-After");
  if (retryAfter) headers.set("Retry-After", retryAfter);
  return headers;
}
