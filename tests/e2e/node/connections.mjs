// The connection after a refusal. The agent keeps connections alive, as
// the SDK's own does; the server reads what is left of a refused body (up
// to 16 MiB past the limit), so the next call on the same client goes on
// the same connection and never meets a closing socket (`write EPIPE`).
// Each check waits for the refused call's connection to leave use (back to
// the pool, or closed), so that the count of connections says which.

import { GetAccountSettingsCommand } from "@aws-sdk/client-lambda";
import { eq } from "./checks.mjs";
import { expectError } from "./context.mjs";

const MiB = 1024 * 1024;
const TOO_LARGE = "Request must be smaller than 6291456 bytes for the InvokeFunction operation";

export function checks(ctx) {
  return [
    ["payload_too_large_then_next_call", () => tooLargeThenNext(ctx, 7 * MiB)],
    ["payload_one_byte_too_large_then_next_call", () => tooLargeThenNext(ctx, 6 * MiB + 1)],
    ["refused_header_then_next_call", () => refusedHeaderThenNext(ctx)],
  ];
}

/** A JSON payload of exactly `size` bytes. */
function payloadOf(size) {
  return Buffer.from(`{"x":"${"a".repeat(size - 8)}"}`);
}

/**
 * An Invoke over the payload limit is Lambda's 413; the server reads the
 * rest of the body, so the same connection carries the next calls.
 */
async function tooLargeThenNext(ctx, size) {
  eq((await ctx.invoke(ctx.echo)).StatusCode, 200, "an invocation before");
  const before = ctx.connections;
  await expectError("RequestTooLargeException", 413, TOO_LARGE, () => ctx.invoke(ctx.echo, payloadOf(size)));
  await ctx.idle();
  eq((await ctx.invoke(ctx.echo, '{"after":1}')).Body, '{"after":1}', "the invocation after the 413");
  const settings = await ctx.send(new GetAccountSettingsCommand({}));
  eq(settings.$metadata.httpStatusCode, 200, "a control call after the 413");
  eq(ctx.connections - before, 0, "connections opened after the 413 (the refused one is kept)");
}

/**
 * An Invoke header Nimbus does not take is refused once the payload is
 * read, so the same connection carries the next call.
 */
async function refusedHeaderThenNext(ctx) {
  for (const payload of [Buffer.from('{"small":true}'), payloadOf(5 * MiB)]) {
    const before = ctx.connections;
    await expectError("InvalidParameterValueException", 400, "Unsupported LogType 'All': expected None or Tail.", () =>
      ctx.invoke(ctx.echo, payload, { LogType: "All" }),
    );
    await ctx.idle();
    const after = await ctx.invoke(ctx.echo, '{"after":2}');
    eq(after.Body, '{"after":2}', `the invocation after refusing ${payload.length} bytes`);
    eq(ctx.connections - before, 0, `connections opened after refusing ${payload.length} bytes`);
  }
}
