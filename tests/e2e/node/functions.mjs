// Functions: create, read, list (the paginator and the marker chain),
// update code and configuration, revision ids, the waiters.

import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  ListFunctionsCommand,
  ListVersionsByFunctionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  paginateListFunctions,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from "@aws-sdk/client-lambda";
import { check, eq } from "./checks.mjs";
import { ROLE, STALE_REVISION, arn, expectError, sha256Base64 } from "./context.mjs";

const LAST_MODIFIED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;
const WAIT = { maxWaitTime: 10, minDelay: 1, maxDelay: 1 };

export function checks(ctx) {
  return [
    ["create_function_fields", () => createFunctionFields(ctx)],
    ["waiter_function_active_v2", () => waitActive(ctx)],
    ["get_function", () => getFunction(ctx)],
    ["create_duplicate_conflict", () => createDuplicate(ctx)],
    ["create_defaults_and_publish", () => createDefaultsAndPublish(ctx)],
    ["list_functions_paginator", () => listFunctionsPaginator(ctx)],
    ["update_function_code", () => updateFunctionCode(ctx)],
    ["update_function_configuration", () => updateFunctionConfiguration(ctx)],
    ["stale_revision_id", () => staleRevisionId(ctx)],
  ];
}

export function cleanupChecks(ctx) {
  return [
    ["delete_function", () => deleteFunction(ctx)],
    ["cleanup", () => ctx.deleteCreated()],
  ];
}

async function createFunctionFields(ctx) {
  const zip = ctx.zips.echo;
  const r = await ctx.create(ctx.name, "echo", {
    Runtime: "wasi",
    Description: "nimbus e2e",
    Timeout: 10,
    MemorySize: 256,
    Environment: { Variables: { GREETING: "hi" } },
  });
  eq(r.$metadata.httpStatusCode, 201, "HTTP status of CreateFunction");
  eq(r.FunctionName, ctx.name, "FunctionName");
  eq(r.FunctionArn, arn(ctx.name), "FunctionArn");
  eq(r.Runtime, "wasi", "Runtime");
  eq(r.Role, ROLE, "Role");
  eq(r.Handler, "function.wasm", "Handler");
  eq(r.CodeSize, zip.length, "CodeSize (bytes of the zip sent)");
  eq(r.CodeSha256, sha256Base64(zip), "CodeSha256 (base64 sha256 of the zip)");
  eq(r.Description, "nimbus e2e", "Description");
  eq([r.Timeout, r.MemorySize], [10, 256], "Timeout and MemorySize");
  check(LAST_MODIFIED.test(r.LastModified ?? ""), `LastModified ${r.LastModified} is not YYYY-MM-DDTHH:MM:SS.mmm+0000`);
  eq(r.Version, "$LATEST", "Version");
  eq(r.Environment, { Variables: { GREETING: "hi" } }, "Environment");
  eq([r.State, r.LastUpdateStatus], ["Active", "Successful"], "State and LastUpdateStatus");
  check(r.RevisionId, "RevisionId missing");
  eq(r.PackageType, "Zip", "PackageType");
  eq(r.Architectures, ["x86_64"], "Architectures");
  eq(r.EphemeralStorage, { Size: 512 }, "EphemeralStorage");
  eq(r.TracingConfig, { Mode: "PassThrough" }, "TracingConfig");
  ctx.state.created = r;
}

async function waitActive(ctx) {
  const result = await waitUntilFunctionActiveV2({ client: ctx.client, ...WAIT }, { FunctionName: ctx.name });
  eq(result.state, "SUCCESS", "waitUntilFunctionActiveV2");
}

async function getFunction(ctx) {
  const created = ctx.state.created;
  const r = await ctx.send(new GetFunctionCommand({ FunctionName: ctx.name }));
  eq(r.$metadata.httpStatusCode, 200, "HTTP status of GetFunction");
  for (const key of [
    "FunctionName", "FunctionArn", "Runtime", "Role", "Handler", "CodeSize", "CodeSha256", "Description",
    "Timeout", "MemorySize", "Version", "Environment", "State", "LastUpdateStatus", "RevisionId",
    "LastModified", "PackageType",
  ]) {
    eq(r.Configuration?.[key], created[key], `GetFunction Configuration.${key}`);
  }
  eq(r.Code?.RepositoryType, "S3", "GetFunction Code.RepositoryType");
  check(r.Code?.Location, "GetFunction has no Code.Location");
  const c = await ctx.send(new GetFunctionConfigurationCommand({ FunctionName: ctx.name }));
  for (const key of ["FunctionArn", "CodeSha256", "RevisionId", "MemorySize", "Environment"]) {
    eq(c[key], created[key], `GetFunctionConfiguration.${key}`);
  }
  const latest = await ctx.send(new GetFunctionCommand({ FunctionName: ctx.name, Qualifier: "$LATEST" }));
  eq(latest.Configuration.Version, "$LATEST", "GetFunction Qualifier=$LATEST");
  const byArn = await ctx.send(new GetFunctionCommand({ FunctionName: arn(ctx.name) }));
  eq(byArn.Configuration.FunctionName, ctx.name, "GetFunction by ARN");
}

async function createDuplicate(ctx) {
  const message = `Function already exist: ${ctx.name}`;
  await expectError("ResourceConflictException", 409, message, () => ctx.create(ctx.name));
}

async function createDefaultsAndPublish(ctx) {
  const name = `${ctx.prefix}-defaults`;
  const r = await ctx.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: "provided.al2",
      Role: ROLE,
      Code: { ZipFile: ctx.zips.echo },
      Publish: true,
    }),
  );
  ctx.created.add(name);
  eq(r.Handler, "function.wasm", "default Handler");
  eq([r.MemorySize, r.Timeout], [128, 3], "default MemorySize and Timeout (AWS: 128, 3)");
  eq(r.Version, "1", "Version of CreateFunction with Publish");
  eq(r.FunctionArn, arn(name, "1"), "FunctionArn with Publish");
  const versions = await ctx.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
  eq(versions.Versions.map((v) => v.Version), ["$LATEST", "1"], "versions after Publish");
  const out = await ctx.invoke(name, '{"p":1}', { Qualifier: "1" });
  eq(out.Body, '{"p":1}', "payload of version 1");
}

async function listFunctionsPaginator(ctx) {
  const names = Array.from({ length: 25 }, (_, i) => `${ctx.prefix}-page-${String(i).padStart(2, "0")}`);
  for (const name of names) await ctx.create(name);
  const paged = [];
  let pages = 0;
  for await (const page of paginateListFunctions({ client: ctx.client, pageSize: 10 }, {})) {
    pages += 1;
    check(page.Functions.length <= 10, `a page of ${page.Functions.length} functions for MaxItems=10`);
    paged.push(...page.Functions.map((f) => f.FunctionName));
  }
  check(pages >= 3, `25+ functions in ${pages} pages of 10`);
  eq(paged.length, new Set(paged).size, "functions listed twice by the paginator");
  const missed = names.filter((name) => !paged.includes(name));
  eq(missed, [], "functions the paginator missed");
  // The same walk by hand: Marker in, NextMarker out.
  const chained = [];
  let marker;
  do {
    const page = await ctx.send(new ListFunctionsCommand({ MaxItems: 10, Marker: marker }));
    chained.push(...page.Functions.map((f) => f.FunctionName));
    marker = page.NextMarker;
  } while (marker);
  eq(chained, paged, "functions by NextMarker vs the paginator");
  for (const name of names) {
    const d = await ctx.send(new DeleteFunctionCommand({ FunctionName: name }));
    eq(d.$metadata.httpStatusCode, 204, "HTTP status of DeleteFunction");
    ctx.created.delete(name);
  }
}

async function updateFunctionCode(ctx) {
  const before = await ctx.send(new GetFunctionConfigurationCommand({ FunctionName: ctx.name }));
  const zip = ctx.zips.print_env;
  const r = await ctx.send(new UpdateFunctionCodeCommand({ FunctionName: ctx.name, ZipFile: zip }));
  eq(r.$metadata.httpStatusCode, 200, "HTTP status of UpdateFunctionCode");
  eq([r.CodeSha256, r.CodeSize], [sha256Base64(zip), zip.length], "CodeSha256 and CodeSize after the update");
  check(r.RevisionId && r.RevisionId !== before.RevisionId, "RevisionId did not change on UpdateFunctionCode");
  const waited = await waitUntilFunctionUpdatedV2({ client: ctx.client, ...WAIT }, { FunctionName: ctx.name });
  eq(waited.state, "SUCCESS", "waitUntilFunctionUpdatedV2");
  eq(ctx.envOf((await ctx.invoke(ctx.name)).Body).GREETING, "hi", "GREETING in the new code's environment");
  ctx.state.staleRevision = before.RevisionId;
}

async function updateFunctionConfiguration(ctx) {
  const before = await ctx.send(new GetFunctionConfigurationCommand({ FunctionName: ctx.name }));
  const env = { GREETING: "hello", VER: "one" };
  const r = await ctx.send(
    new UpdateFunctionConfigurationCommand({
      FunctionName: ctx.name,
      MemorySize: 512,
      Timeout: 20,
      Environment: { Variables: env },
      Description: "updated",
    }),
  );
  eq(r.$metadata.httpStatusCode, 200, "HTTP status of UpdateFunctionConfiguration");
  eq([r.MemorySize, r.Timeout, r.Description], [512, 20, "updated"], "MemorySize, Timeout, Description");
  eq(r.Environment, { Variables: env }, "Environment");
  eq([r.CodeSha256, r.Handler], [before.CodeSha256, "function.wasm"], "code and handler kept");
  check(r.RevisionId !== before.RevisionId, "RevisionId did not change");
  const got = ctx.envOf((await ctx.invoke(ctx.name)).Body);
  eq([got.GREETING, got.VER], ["hello", "one"], "environment in the guest");
}

async function staleRevisionId(ctx) {
  const stale = ctx.state.staleRevision;
  await expectError("PreconditionFailedException", 412, STALE_REVISION, () =>
    ctx.send(new UpdateFunctionConfigurationCommand({ FunctionName: ctx.name, Timeout: 21, RevisionId: stale })),
  );
  await expectError("PreconditionFailedException", 412, STALE_REVISION, () =>
    ctx.send(new UpdateFunctionCodeCommand({ FunctionName: ctx.name, ZipFile: ctx.zips.print_env, RevisionId: stale })),
  );
  const now = await ctx.send(new GetFunctionConfigurationCommand({ FunctionName: ctx.name }));
  eq(now.Timeout, 20, "Timeout after the refused update");
  const ok = await ctx.send(
    new UpdateFunctionConfigurationCommand({ FunctionName: ctx.name, Timeout: 20, RevisionId: now.RevisionId }),
  );
  eq(ok.$metadata.httpStatusCode, 200, "an update with the current RevisionId");
}

async function deleteFunction(ctx) {
  const d = await ctx.send(new DeleteFunctionCommand({ FunctionName: ctx.name }));
  eq(d.$metadata.httpStatusCode, 204, "HTTP status of DeleteFunction");
  ctx.created.delete(ctx.name);
  const notFound = `Function not found: ${arn(ctx.name)}`;
  await expectError("ResourceNotFoundException", 404, notFound, () =>
    ctx.send(new GetFunctionCommand({ FunctionName: ctx.name })),
  );
  await expectError("ResourceNotFoundException", 404, `Function not found: ${arn(ctx.name, "$LATEST")}`, () =>
    ctx.invoke(ctx.name),
  );
  const listed = [];
  for await (const page of paginateListFunctions({ client: ctx.client }, {})) {
    listed.push(...page.Functions.map((f) => f.FunctionName));
  }
  check(!listed.includes(ctx.name), "a deleted function is still listed");
}
