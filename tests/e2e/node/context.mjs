// The client the checks share and what they know of Nimbus: one
// LambdaClient as a user would make it (static credentials, an endpoint,
// `maxAttempts: 1` so that no retry hides a wire defect) over a keep-alive
// agent that counts the TCP connections it opens, the bundles, and the
// helpers for calls and errors.

import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { once } from "node:events";
import { Agent } from "node:http";
import { join } from "node:path";
import { CreateFunctionCommand, DeleteFunctionCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { Fail, check, eq, show } from "./checks.mjs";

export const ACCOUNT = "000000000000";
export const REGION = "us-east-1";
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/lambda-role`;
export const GUESTS = ["echo", "loop", "exit_error", "print_env"];
/** Lambda's PreconditionFailedException message for a stale RevisionId. */
export const STALE_REVISION =
  "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id";

export function arn(name, qualifier) {
  const base = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
  return qualifier ? `${base}:${qualifier}` : base;
}

export function sha256Base64(data) {
  return createHash("sha256").update(data).digest("base64");
}

/** What one run of the suite shares. */
export class Context {
  constructor(endpoint, bundles) {
    // The SDK's own default agent for http is a keep-alive one; this is the
    // same, with a count of the connections it opens.
    this.agent = new Agent({ keepAlive: true, maxSockets: 50 });
    this.connections = 0;
    const open = this.agent.createConnection.bind(this.agent);
    this.agent.createConnection = (...args) => {
      this.connections += 1;
      return open(...args);
    };
    this.client = new LambdaClient({
      endpoint,
      region: REGION,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
      requestHandler: { httpAgent: this.agent, connectionTimeout: 10_000, requestTimeout: 60_000 },
    });
    this.zips = Object.fromEntries(GUESTS.map((guest) => [guest, readFileSync(join(bundles, `${guest}.zip`))]));
    this.prefix = `node-${randomUUID().slice(0, 8)}`;
    this.name = `${this.prefix}-main`;
    this.echo = `${this.prefix}-echo`;
    this.created = new Set();
    this.state = {};
  }

  send(command) {
    return this.client.send(command);
  }

  /**
   * Resolves once no connection is in use: each is back in the agent's
   * pool or closed. The SDK settles a call on the answer, and Node frees
   * its socket a moment later (once the request's own writing is
   * reported done); a call made in between opens a connection of its own.
   */
  async idle() {
    const inUse = () => Object.values(this.agent.sockets).flat();
    const deadline = AbortSignal.timeout(10_000);
    while (inUse().length) {
      const freed = [once(this.agent, "free", { signal: deadline }), ...inUse().map((s) => once(s, "close"))];
      try {
        await Promise.race(freed);
      } catch {
        throw new Fail(`${inUse().length} connections still in use 10 s after their answers`);
      }
    }
  }

  /** CreateFunction of one of the bundles, remembered for the cleanup. */
  async create(name, guest = "echo", extra = {}) {
    const response = await this.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: "provided.al2023",
        Role: ROLE,
        Handler: "function.wasm",
        Code: { ZipFile: this.zips[guest] },
        ...extra,
      }),
    );
    this.created.add(name);
    return response;
  }

  /** Invoke with a payload given as text (or bytes); `Body` is the answer as text. */
  async invoke(name, payload = "{}", extra = {}) {
    const bytes = typeof payload === "string" ? Buffer.from(payload) : payload;
    const response = await this.send(new InvokeCommand({ FunctionName: name, Payload: bytes, ...extra }));
    return { ...response, Body: Buffer.from(response.Payload ?? []).toString() };
  }

  /** print_env's output, `K=V` lines, as an object. */
  envOf(body) {
    const pairs = body
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]);
    return Object.fromEntries(pairs);
  }

  async deleteCreated() {
    for (const name of [...this.created].sort()) {
      try {
        await this.send(new DeleteFunctionCommand({ FunctionName: name }));
      } catch (error) {
        if (error.name !== "ResourceNotFoundException") throw error;
      }
    }
    this.created.clear();
  }
}

/**
 * Expects `call` to fail with the Lambda error `type`: the SDK's error
 * name, the HTTP status, the `x-amzn-ErrorType` header and the message
 * (exact text, or a RegExp). Returns the error.
 */
export async function expectError(type, status, message, call) {
  let response;
  try {
    response = await call();
  } catch (error) {
    const got = error?.$metadata?.httpStatusCode;
    if (got === undefined) {
      // Not an answer at all: a reset, an EPIPE, a timeout.
      throw new Fail(`expected ${type} (HTTP ${status}), got ${error?.name}: ${error?.message}`);
    }
    if (error.name !== type || got !== status) {
      throw new Fail(`expected ${type} (HTTP ${status}), got ${error.name} (HTTP ${got}): ${error.message}`);
    }
    eq(error.$response?.headers?.["x-amzn-errortype"]?.split(":")[0], type, "x-amzn-ErrorType header");
    eq([error.$fault, error.$metadata.attempts], ["client", 1], `${type} $fault and attempts`);
    if (message instanceof RegExp) {
      check(message.test(error.message), `${type} message ${show(error.message)} does not match ${message}`);
    } else {
      eq(error.message, message, `${type} message`);
    }
    if (type !== "ValidationException") eq(error.Type, "User", `${type} Type`);
    return error;
  }
  throw new Fail(`expected ${type}, the call succeeded: ${show(response)}`);
}

/** A line for an SDK error that escaped a check. */
export function describeSdkError(error) {
  if (error?.$metadata === undefined) return null;
  return `${error.name} (HTTP ${error.$metadata.httpStatusCode}): ${error.message}`;
}
