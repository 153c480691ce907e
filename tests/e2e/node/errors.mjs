// Lambda's errors as the SDK parses them: the error's name, the HTTP
// status and the message.

import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { ROLE, arn, expectError } from "./context.mjs";

/** Lambda's message for bytes that are not a zip (the detail is in the server's log). */
const UNZIP = "Could not unzip uploaded file. Please check your file, then try to upload again.";

export function checks(ctx) {
  return [
    ["not_found", () => notFound(ctx)],
    ["invalid_runtime", () => invalidRuntime(ctx)],
    ["bad_zip", () => badZip(ctx)],
    ["validation_errors", () => validationErrors(ctx)],
    ["payload_not_json", () => payloadNotJson(ctx)],
    ["unsupported_invoke_headers", () => unsupportedInvokeHeaders(ctx)],
  ];
}

async function notFound(ctx) {
  const missing = `${ctx.prefix}-missing`;
  const message = `Function not found: ${arn(missing)}`;
  // An unqualified Invoke names the version it looked for.
  await expectError("ResourceNotFoundException", 404, `Function not found: ${arn(missing, "$LATEST")}`, () =>
    ctx.invoke(missing),
  );
  await expectError("ResourceNotFoundException", 404, message, () =>
    ctx.send(new GetFunctionCommand({ FunctionName: missing })),
  );
  await expectError("ResourceNotFoundException", 404, message, () =>
    ctx.send(new GetFunctionConfigurationCommand({ FunctionName: missing })),
  );
  await expectError("ResourceNotFoundException", 404, message, () =>
    ctx.send(new DeleteFunctionCommand({ FunctionName: missing })),
  );
  await expectError("ResourceNotFoundException", 404, `Function not found: ${arn(ctx.name, "99")}`, () =>
    ctx.send(new GetFunctionCommand({ FunctionName: ctx.name, Qualifier: "99" })),
  );
}

async function invalidRuntime(ctx) {
  const name = `${ctx.prefix}-py`;
  await expectError(
    "InvalidParameterValueException",
    400,
    "The runtime parameter of python3.12 is not supported by Nimbus. Supported runtimes: wasi, provided.al2023, provided.al2.",
    () => ctx.create(name, "echo", { Runtime: "python3.12" }),
  );
  await expectError("ResourceNotFoundException", 404, `Function not found: ${arn(name)}`, () =>
    ctx.send(new GetFunctionCommand({ FunctionName: name })),
  );
}

async function badZip(ctx) {
  await expectError("InvalidParameterValueException", 400, UNZIP, () =>
    ctx.send(
      new CreateFunctionCommand({
        FunctionName: `${ctx.prefix}-badzip`,
        Runtime: "wasi",
        Role: ROLE,
        Code: { ZipFile: Buffer.from("this is not a zip file") },
      }),
    ),
  );
}

async function validationErrors(ctx) {
  // The SDK for JavaScript checks no constraints itself: these are the
  // server's answers. ValidationException is not in Lambda's model, so the
  // SDK names the error from the x-amzn-ErrorType header.
  const refused = (message, name, extra) =>
    expectError("ValidationException", 400, message, () => ctx.create(name, "echo", extra));
  await refused(
    "1 validation error detected: Value 'bad name!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?",
    "bad name!",
    {},
  );
  await refused(
    "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128",
    `${ctx.prefix}-mem64`,
    { MemorySize: 64 },
  );
  await refused(
    "1 validation error detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1",
    `${ctx.prefix}-t0`,
    { Timeout: 0 },
  );
  await refused(
    "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900",
    `${ctx.prefix}-t901`,
    { Timeout: 901 },
  );
}

async function payloadNotJson(ctx) {
  await expectError(
    "InvalidRequestContentException",
    400,
    /^Could not parse request body into json: Could not parse payload into json: /,
    () => ctx.invoke(ctx.name, "not json"),
  );
}

async function unsupportedInvokeHeaders(ctx) {
  await expectError(
    "InvalidParameterValueException",
    400,
    "Unsupported LogType 'Everything': expected None or Tail.",
    () => ctx.invoke(ctx.name, "{}", { LogType: "Everything" }),
  );
  await expectError(
    "InvalidParameterValueException",
    400,
    "Unsupported InvocationType 'Later': expected RequestResponse, Event or DryRun.",
    () => ctx.invoke(ctx.name, "{}", { InvocationType: "Later" }),
  );
}
