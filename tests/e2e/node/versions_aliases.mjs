// Versions and aliases: publish, list (with their paginators), weighted
// routing, revision ids, deleting a version.

import {
  CreateAliasCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
  paginateListAliases,
  paginateListVersionsByFunction,
} from "@aws-sdk/client-lambda";
import { check, eq } from "./checks.mjs";
import { STALE_REVISION, arn, expectError } from "./context.mjs";

export function checks(ctx) {
  return [
    ["publish_versions", () => publishVersions(ctx)],
    ["list_versions_paginator", () => listVersions(ctx)],
    ["weighted_alias", () => weightedAlias(ctx)],
    ["alias_get_update_list_delete", () => aliasLifecycle(ctx)],
    ["alias_missing", () => aliasMissing(ctx)],
    ["delete_version", () => deleteVersion(ctx)],
  ];
}

async function publishVersions(ctx) {
  const v1 = await ctx.send(new PublishVersionCommand({ FunctionName: ctx.name, Description: "first" }));
  eq(v1.$metadata.httpStatusCode, 201, "HTTP status of PublishVersion");
  eq([v1.Version, v1.FunctionArn], ["1", arn(ctx.name, "1")], "version 1 and its ARN");
  eq(v1.Environment, { Variables: { GREETING: "hello", VER: "one" } }, "version 1's environment");
  await ctx.send(
    new UpdateFunctionConfigurationCommand({
      FunctionName: ctx.name,
      Environment: { Variables: { GREETING: "hello", VER: "two" } },
    }),
  );
  const v2 = await ctx.send(new PublishVersionCommand({ FunctionName: ctx.name }));
  eq(v2.Version, "2", "the second published Version");
  const got = await ctx.send(new GetFunctionCommand({ FunctionName: ctx.name, Qualifier: "1" }));
  eq(got.Configuration.Environment.Variables.VER, "one", "version 1 keeps its environment");
  const one = await ctx.invoke(ctx.name, "{}", { Qualifier: "1" });
  eq([one.ExecutedVersion, ctx.envOf(one.Body).VER], ["1", "one"], "an invocation of version 1");
  const latest = await ctx.invoke(ctx.name);
  eq([latest.ExecutedVersion, ctx.envOf(latest.Body).VER], ["$LATEST", "two"], "an unqualified invocation");
}

async function listVersions(ctx) {
  const versions = [];
  let pages = 0;
  const paginator = paginateListVersionsByFunction({ client: ctx.client, pageSize: 1 }, { FunctionName: ctx.name });
  for await (const page of paginator) {
    pages += 1;
    versions.push(...page.Versions);
  }
  eq(versions.map((v) => v.Version), ["$LATEST", "1", "2"], "ListVersionsByFunction");
  eq(pages, 3, "pages of one version");
  eq(versions.map((v) => v.FunctionArn), [arn(ctx.name, "$LATEST"), arn(ctx.name, "1"), arn(ctx.name, "2")], "ARNs");
}

async function weightedAlias(ctx) {
  const r = await ctx.send(
    new CreateAliasCommand({
      FunctionName: ctx.name,
      Name: "live",
      FunctionVersion: "1",
      Description: "weighted",
      RoutingConfig: { AdditionalVersionWeights: { 2: 0.5 } },
    }),
  );
  eq(r.$metadata.httpStatusCode, 201, "HTTP status of CreateAlias");
  eq([r.AliasArn, r.Name, r.FunctionVersion], [arn(ctx.name, "live"), "live", "1"], "the alias");
  eq(r.RoutingConfig, { AdditionalVersionWeights: { 2: 0.5 } }, "RoutingConfig");
  check(r.RevisionId, "the alias has no RevisionId");
  const counts = {};
  for (let i = 0; i < 40; i++) {
    const out = await ctx.invoke(ctx.name, "{}", { Qualifier: "live" });
    const expected = { 1: "one", 2: "two" }[out.ExecutedVersion];
    check(expected, `ExecutedVersion ${out.ExecutedVersion} for alias live (1 or 2)`);
    eq(ctx.envOf(out.Body).VER, expected, `the environment of version ${out.ExecutedVersion}`);
    counts[out.ExecutedVersion] = (counts[out.ExecutedVersion] ?? 0) + 1;
  }
  eq(Object.keys(counts).sort(), ["1", "2"], `40 invocations at weight 0.5 ran ${JSON.stringify(counts)}`);
}

async function aliasLifecycle(ctx) {
  const g = await ctx.send(new GetAliasCommand({ FunctionName: ctx.name, Name: "live" }));
  eq([g.FunctionVersion, g.AliasArn], ["1", arn(ctx.name, "live")], "GetAlias");
  const u = await ctx.send(
    new UpdateAliasCommand({
      FunctionName: ctx.name,
      Name: "live",
      FunctionVersion: "2",
      RoutingConfig: { AdditionalVersionWeights: {} },
    }),
  );
  eq(u.FunctionVersion, "2", "UpdateAlias FunctionVersion");
  check(u.RevisionId !== g.RevisionId, "the alias RevisionId did not change");
  check(!Object.keys(u.RoutingConfig?.AdditionalVersionWeights ?? {}).length, "RoutingConfig not cleared");
  await expectError(
    "PreconditionFailedException",
    412,
    STALE_REVISION,
    () =>
      ctx.send(
        new UpdateAliasCommand({ FunctionName: ctx.name, Name: "live", Description: "x", RevisionId: g.RevisionId }),
      ),
  );
  for (let i = 0; i < 5; i++) {
    eq((await ctx.invoke(ctx.name, "{}", { Qualifier: "live" })).ExecutedVersion, "2", "the version after UpdateAlias");
  }
  await ctx.send(new CreateAliasCommand({ FunctionName: ctx.name, Name: "beta", FunctionVersion: "1" }));
  await expectError("ResourceConflictException", 409, `Alias already exists: ${arn(ctx.name, "beta")}`, () =>
    ctx.send(new CreateAliasCommand({ FunctionName: ctx.name, Name: "beta", FunctionVersion: "1" })),
  );
  eq(await aliasNames(ctx), ["beta", "live"], "ListAliases");
  const d = await ctx.send(new DeleteAliasCommand({ FunctionName: ctx.name, Name: "beta" }));
  eq(d.$metadata.httpStatusCode, 204, "HTTP status of DeleteAlias");
  eq(await aliasNames(ctx), ["live"], "ListAliases after DeleteAlias");
}

async function aliasNames(ctx) {
  const names = [];
  for await (const page of paginateListAliases({ client: ctx.client, pageSize: 1 }, { FunctionName: ctx.name })) {
    names.push(...page.Aliases.map((a) => a.Name));
  }
  return names.sort();
}

async function aliasMissing(ctx) {
  const message = (name) => `Alias not found: ${arn(ctx.name, name)}`;
  await expectError("ResourceNotFoundException", 404, message("beta"), () =>
    ctx.send(new GetAliasCommand({ FunctionName: ctx.name, Name: "beta" })),
  );
  await expectError("ResourceNotFoundException", 404, `Function not found: ${arn(ctx.name, "nope")}`, () =>
    ctx.invoke(ctx.name, "{}", { Qualifier: "nope" }),
  );
}

async function deleteVersion(ctx) {
  await ctx.send(new DeleteAliasCommand({ FunctionName: ctx.name, Name: "live" }));
  const d = await ctx.send(new DeleteFunctionCommand({ FunctionName: ctx.name, Qualifier: "1" }));
  eq(d.$metadata.httpStatusCode, 204, "HTTP status of DeleteFunction with Qualifier 1");
  await expectError("ResourceNotFoundException", 404, `Function not found: ${arn(ctx.name, "1")}`, () =>
    ctx.send(new GetFunctionCommand({ FunctionName: ctx.name, Qualifier: "1" })),
  );
  const versions = [];
  for await (const page of paginateListVersionsByFunction({ client: ctx.client }, { FunctionName: ctx.name })) {
    versions.push(...page.Versions.map((v) => v.Version));
  }
  eq(versions, ["$LATEST", "2"], "versions after deleting version 1");
  eq((await ctx.invoke(ctx.name)).StatusCode, 200, "$LATEST after deleting version 1");
}
