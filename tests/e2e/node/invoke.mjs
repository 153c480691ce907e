// Invoke: the payload and Lambda's headers, the log's tail, DryRun,
// Event invokes, function errors and timeouts.

import { check, eq } from "./checks.mjs";

const REPORT =
  /^REPORT RequestId: (?<id>\S+)\s+Duration: [0-9.]+ ms\s+Billed Duration: \d+ ms\s+Memory Size: (?<mem>\d+) MB\s+Max Memory Used: \d+ MB/;

export function checks(ctx) {
  return [
    ["create_echo_function", () => createEcho(ctx)],
    ["invoke", () => invoke(ctx)],
    ["invoke_log_tail", () => invokeLogTail(ctx)],
    ["dry_run_204", () => dryRun(ctx)],
    ["event_202", () => eventInvoke(ctx)],
    ["function_error", () => functionError(ctx)],
    ["timeout", () => timeout(ctx)],
  ];
}

/** The function these checks (and connections.mjs) invoke: echo.wat. */
async function createEcho(ctx) {
  const r = await ctx.create(ctx.echo, "echo", { MemorySize: 256 });
  eq([r.$metadata.httpStatusCode, r.State], [201, "Active"], "HTTP status and State of CreateFunction");
}

async function invoke(ctx) {
  const payload = '{"hello":"world","n":[1,2,3]}';
  const r = await ctx.invoke(ctx.echo, payload);
  eq(r.$metadata.httpStatusCode, 200, "HTTP status");
  eq(r.StatusCode, 200, "StatusCode");
  eq(r.Body, payload, "the echoed payload");
  eq(r.FunctionError, undefined, "FunctionError on success");
  eq(r.LogResult, undefined, "LogResult without LogType Tail");
  eq(r.ExecutedVersion, "$LATEST", "ExecutedVersion");
}

async function invokeLogTail(ctx) {
  const r = await ctx.invoke(ctx.echo, '{"tail":true}', { LogType: "Tail" });
  eq([r.StatusCode, r.Body], [200, '{"tail":true}'], "StatusCode and payload");
  check(r.LogResult, "no LogResult with LogType Tail");
  const log = Buffer.from(r.LogResult, "base64");
  check(log.length <= 4096, `LogResult decodes to ${log.length} bytes (more than 4 KB)`);
  const lines = log
    .toString()
    .split("\n")
    .filter((line) => line.trim());
  const report = REPORT.exec(lines.at(-1) ?? "");
  check(report, `the log's last line is not a REPORT line: ${lines.at(-1)}`);
  eq(report.groups.mem, "256", "Memory Size in the REPORT line");
  eq(report.groups.id, r.$metadata.requestId, "REPORT RequestId vs x-amzn-RequestId");
}

async function dryRun(ctx) {
  const r = await ctx.invoke(ctx.echo, "{}", { InvocationType: "DryRun" });
  eq([r.$metadata.httpStatusCode, r.StatusCode], [204, 204], "HTTP status and StatusCode of DryRun");
  eq(r.Body, "", "DryRun's payload");
}

/** An Event invoke: 202 once queued, an empty payload, no run's headers. */
async function eventInvoke(ctx) {
  const r = await ctx.invoke(ctx.echo, '{"queued":true}', { InvocationType: "Event" });
  eq([r.$metadata.httpStatusCode, r.StatusCode], [202, 202], "HTTP status and StatusCode of an Event invoke");
  eq(r.Body, "", "an Event invoke's payload");
  eq([r.ExecutedVersion, r.FunctionError, r.LogResult], [undefined, undefined, undefined], "a run's headers");
  check(r.$metadata.requestId, "no x-amzn-RequestId on an Event invoke");
}

async function functionError(ctx) {
  const name = `${ctx.prefix}-err`;
  await ctx.create(name, "exit_error");
  const r = await ctx.invoke(name, '{"x":1}');
  eq(r.StatusCode, 200, "StatusCode of a function error");
  eq(r.FunctionError, "Unhandled", "FunctionError");
  eq(JSON.parse(r.Body), { errorMessage: "bad input", errorType: "InputError" }, "the error payload");
}

async function timeout(ctx) {
  const name = `${ctx.prefix}-loop`;
  await ctx.create(name, "loop", { Timeout: 1 });
  const started = performance.now();
  const r = await ctx.invoke(name);
  const took = (performance.now() - started) / 1000;
  eq([r.StatusCode, r.FunctionError], [200, "Unhandled"], "StatusCode and FunctionError of a timeout");
  const body = JSON.parse(r.Body);
  eq([body.errorType, body.errorMessage], ["Sandbox.Timedout", "Task timed out after 1.00 seconds"], "the error");
  check(took >= 0.9 && took <= 10, `a 1 s timeout answered after ${took.toFixed(2)} s`);
}
