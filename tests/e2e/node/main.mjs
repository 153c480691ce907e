#!/usr/bin/env node
// End-to-end checks of `nimbus serve` through the AWS SDK for JavaScript v3
// (`@aws-sdk/client-lambda`).
//
//     node tests/e2e/node/main.mjs --endpoint http://127.0.0.1:PORT --bundles DIR
//
// DIR holds echo.zip, loop.zip, exit_error.zip and print_env.zip (made by
// `nimbus bundle`; tests/all/serve/clients.rs makes them). Every check runs
// in order and prints `ok NAME` or `FAIL NAME: REASON`; the last line is
// `N passed, M failed` and the exit code is 1 when any check failed.
//
// Each area is a file exporting `checks(ctx)`: [name, fn] pairs that share
// one client (context.mjs). A new area (function URL
// configs, schedules with @aws-sdk/client-scheduler) is a new file and one
// line in AREAS.

import { parseArgs } from "node:util";
import { run } from "./checks.mjs";
import * as concurrency from "./concurrency.mjs";
import * as connections from "./connections.mjs";
import { Context, describeSdkError } from "./context.mjs";
import * as errors from "./errors.mjs";
import * as functions from "./functions.mjs";
import * as invoke from "./invoke.mjs";
import * as versionsAliases from "./versions_aliases.mjs";

const AREAS = [invoke, functions, versionsAliases, concurrency, errors, connections];

const { values } = parseArgs({ options: { endpoint: { type: "string" }, bundles: { type: "string" } } });
if (!values.endpoint || !values.bundles) {
  console.error("usage: node main.mjs --endpoint http://127.0.0.1:PORT --bundles DIR");
  process.exit(2);
}
const ctx = new Context(values.endpoint, values.bundles);
const checks = [...AREAS.flatMap((area) => area.checks(ctx)), ...functions.cleanupChecks(ctx)];
const failed = await run(checks, describeSdkError);
ctx.agent.destroy();
process.exit(failed ? 1 : 0);
