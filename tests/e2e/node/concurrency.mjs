// Reserved concurrency (and the 429 it gives at zero) and the account's
// settings.

import {
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  PutFunctionConcurrencyCommand,
} from "@aws-sdk/client-lambda";
import { check, eq } from "./checks.mjs";
import { expectError } from "./context.mjs";

export function checks(ctx) {
  return [
    ["reserved_concurrency_zero", () => reservedConcurrencyZero(ctx)],
    ["account_settings", () => accountSettings(ctx)],
  ];
}

async function reservedConcurrencyZero(ctx) {
  const put = await ctx.send(
    new PutFunctionConcurrencyCommand({ FunctionName: ctx.name, ReservedConcurrentExecutions: 0 }),
  );
  eq(put.ReservedConcurrentExecutions, 0, "PutFunctionConcurrency");
  const got = await ctx.send(new GetFunctionConcurrencyCommand({ FunctionName: ctx.name }));
  eq(got.ReservedConcurrentExecutions, 0, "GetFunctionConcurrency");
  const throttled = await expectError("TooManyRequestsException", 429, "Rate Exceeded.", () => ctx.invoke(ctx.name));
  eq(throttled.Reason, "ReservedFunctionConcurrentInvocationLimitExceeded", "Reason");
  eq(throttled.retryAfterSeconds, "1", "retryAfterSeconds (the Retry-After header)");
  const d = await ctx.send(new DeleteFunctionConcurrencyCommand({ FunctionName: ctx.name }));
  eq(d.$metadata.httpStatusCode, 204, "HTTP status of DeleteFunctionConcurrency");
  const after = await ctx.send(new GetFunctionConcurrencyCommand({ FunctionName: ctx.name }));
  eq(after.ReservedConcurrentExecutions, undefined, "reserved concurrency after DeleteFunctionConcurrency");
  eq((await ctx.invoke(ctx.name)).StatusCode, 200, "an invocation after DeleteFunctionConcurrency");
}

async function accountSettings(ctx) {
  const r = await ctx.send(new GetAccountSettingsCommand({}));
  const limit = r.AccountLimit?.ConcurrentExecutions;
  check(Number.isInteger(limit) && limit > 0, `AccountLimit.ConcurrentExecutions: ${limit}`);
  const count = r.AccountUsage?.FunctionCount;
  check(Number.isInteger(count) && count >= 1, `AccountUsage.FunctionCount: ${count}`);
}
