#!/usr/bin/env python3
"""End-to-end checks of asynchronous invocation through boto3's `lambda` client.

    python3 tests/e2e/async_boto3.py --endpoint URL --aged-endpoint URL --bundles DIR

`--endpoint` is a `nimbus serve` started with `--retry-delay-scale 0.001`
(Lambda's one and two minutes between retries become 60 and 120 ms);
`--aged-endpoint` one started with `--retry-delay-scale 2`, where the first
retry would come four minutes after a failure, past a 60 s maximum age.
DIR holds echo.zip, exit_error.zip, log_event.zip and sleep_two_seconds.zip
(made by `nimbus bundle`). `log_event` writes its event to its log, so a
destination's log shows the record it received.

Every check prints `ok NAME` or `FAIL NAME: REASON`; the last line is
`N passed, M failed`, and the exit code is 1 when any check failed. What is
expected is botocore's model (the event invoke config operations), AWS
Lambda's documented behaviour of asynchronous invocation (retries,
destination records, conditions), and Nimbus's own API for the dead-letter
store and idempotency keys (README).
"""

import argparse
import json
import re
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

import boto3
import botocore.config
from botocore.exceptions import ClientError

from checks import Fail, check, eq, run

ACCOUNT = "000000000000"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-role"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ERROR = {"errorMessage": "bad input", "errorType": "InputError"}
# How long anything asynchronous may take to be seen (generous: a loaded
# 2-core machine; nothing here waits for a fixed time).
PATIENCE_S = 30


def arn(name, qualifier=None):
    base = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    return f"{base}:{qualifier}" if qualifier else base


def status_of(response):
    return response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def lower_keys(headers):
    """Headers as a dict with lower-case names (HTTP names are case-blind)."""
    return {name.lower(): value for name, value in headers.items()}


def wait_for(what, probe, patience=PATIENCE_S):
    """Calls `probe` until it returns something truthy; returns that."""
    deadline = time.monotonic() + patience
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Fail(f"waited {patience} s for {what}")
        time.sleep(0.02)


class Server:
    """One `nimbus serve`: boto3 clients and its own HTTP endpoints."""

    def __init__(self, endpoint):
        self.endpoint = endpoint.rstrip("/")
        common = dict(
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        config = botocore.config.Config(retries={"max_attempts": 1}, read_timeout=30, connect_timeout=10)
        self.client = boto3.client("lambda", config=config, **common)
        # Without client-side validation, to see the server's own answers.
        self.raw = boto3.client(
            "lambda", config=config.merge(botocore.config.Config(parameter_validation=False)), **common
        )

    def http(self, method, path, body=None, headers=None):
        """(status, headers with lower-case names, body bytes) of one request."""
        request = urllib.request.Request(self.endpoint + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, lower_keys(response.headers), response.read()
        except urllib.error.HTTPError as e:
            return e.code, lower_keys(e.headers), e.read()

    def json(self, method, path):
        status, _, body = self.http(method, path)
        check(status == 200, f"{method} {path}: HTTP {status}: {body[:300]!r}")
        return json.loads(body)

    def logs(self, name):
        """The function's invocation logs, oldest first."""
        return list(reversed(self.json("GET", f"/nimbus/v1/functions/{name}/logs?limit=1000")["logs"]))

    def runs(self, name, count):
        """The function's logs (oldest first) once there are at least `count`."""

        def probe():
            logs = self.logs(name)
            return logs if len(logs) >= count else None

        return wait_for(f"{count} run(s) of {name}", probe)

    def metric(self, name, labels=""):
        """The sum of the samples of `name` whose labels contain `labels`."""
        _, _, body = self.http("GET", "/metrics")
        total = 0.0
        for line in body.decode().splitlines():
            if line.startswith(name + "{") or line.startswith(name + " "):
                if labels in line:
                    total += float(line.rsplit(" ", 1)[1])
        return total

    def records(self, destination, count):
        """The first `count` JSON records `destination` (log_event) received."""

        def probe():
            found = []
            for log in self.logs(destination):
                found += [json.loads(line) for line in log["log"].splitlines() if line.startswith("{")]
            return found if len(found) >= count else None

        return wait_for(f"{count} record(s) at {destination}", probe)


class Suite:
    def __init__(self, endpoint, aged_endpoint, bundles):
        self.fast = Server(endpoint)
        self.aged = Server(aged_endpoint)
        self.client = self.fast.client
        self.zips = {}
        for guest in ("echo", "exit_error", "log_event", "sleep_two_seconds"):
            with open(f"{bundles}/{guest}.zip", "rb") as f:
                self.zips[guest] = f.read()
        self.prefix = "async-" + uuid.uuid4().hex[:8]
        self.state = {}

    # -- helpers -----------------------------------------------------------

    def name(self, suffix):
        return f"{self.prefix}-{suffix}"

    def create(self, suffix, guest, server=None, **kwargs):
        name = self.name(suffix)
        (server or self.fast).client.create_function(
            FunctionName=name,
            Runtime="provided.al2023",
            Role=ROLE,
            Handler="function.wasm",
            Code={"ZipFile": self.zips[guest]},
            **kwargs,
        )
        return name

    def event(self, name, payload, server=None):
        """An Event invoke; checks the 202 and returns its request id."""
        r = (server or self.fast).client.invoke(FunctionName=name, InvocationType="Event", Payload=payload)
        eq(r["StatusCode"], 202, "StatusCode of an Event invoke")
        eq(r["Payload"].read(), b"", "the payload of a 202")
        request_id = r["ResponseMetadata"].get("RequestId")
        check(request_id, f"no x-amzn-RequestId: {r['ResponseMetadata']}")
        return request_id

    def expect_error(self, code, status, message, fn, **kwargs):
        try:
            response = fn(**kwargs)
        except ClientError as e:
            error = e.response.get("Error", {})
            got = (error.get("Code"), status_of(e.response), error.get("Message"))
            eq(got, (code, status, message), "error code, HTTP status and message")
            return
        raise Fail(f"expected {code}, the call succeeded: {response}")

    def expect_record(self, record, condition, source, request_id, payload, count, response=None):
        """A destination record as Lambda documents it; `response` is
        (functionError or None, responsePayload), None when it never ran."""
        check(TIMESTAMP.match(record.get("timestamp", "")), f"timestamp: {record.get('timestamp')!r}")
        expected = {
            "version": "1.0",
            "timestamp": record.get("timestamp"),
            "requestContext": {
                "requestId": request_id,
                "functionArn": arn(source, "$LATEST"),
                "condition": condition,
                "approximateInvokeCount": count,
            },
            "requestPayload": payload,
        }
        if response is not None:
            function_error, response_payload = response
            context = {"statusCode": 200, "executedVersion": "$LATEST"}
            if function_error:
                context["functionError"] = function_error
            expected["responseContext"] = context
            expected["responsePayload"] = response_payload
        eq(record, expected, "the destination record")

    def on_failure_to(self, name, destination, **limits):
        self.client.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnFailure": {"Destination": arn(destination)}}, **limits
        )

    # -- checks --------------------------------------------------------------

    def check_event_runs_with_its_request_id(self):
        name = self.create("logger", "log_event")
        request_id = self.event(name, b'{"hello": "async"}')
        logs = self.fast.runs(name, 1)
        eq([log["request_id"] for log in logs], [request_id], "request ids of the runs")
        check('{"hello": "async"}' in logs[0]["log"], f"the event is not in the log: {logs[0]['log']!r}")
        check(f"REPORT RequestId: {request_id}" in logs[0]["log"], f"no REPORT line: {logs[0]['log']!r}")

    def check_function_errors_are_tried_three_times_with_one_request_id(self):
        name = self.create("fails", "exit_error")
        request_id = self.event(name, b'{"try": 1}')
        logs = self.fast.runs(name, 3)
        eq([log["request_id"] for log in logs], [request_id] * 3, "request ids of the attempts")
        letters = wait_for(
            "a dead letter",
            lambda: self.fast.json("GET", f"/nimbus/v1/dead-letters?function={name}")["dead_letters"],
        )
        eq(len(letters), 1, "dead letters")
        letter = letters[0]
        got = {key: letter.get(key) for key in ("request_id", "function", "condition", "attempts", "error_type")}
        eq(
            got,
            {"request_id": request_id, "function": name, "condition": "RetriesExhausted", "attempts": 3,
             "error_type": "InputError"},
            "the dead letter",
        )
        eq(len(self.fast.logs(name)), 3, "attempts after the event failed")
        self.state["letter"] = (name, request_id, letter["id"])

    def check_maximum_retry_attempts_zero_and_the_on_failure_record(self):
        destination = self.create("failure-dest", "log_event")
        name = self.create("fails-once", "exit_error")
        self.on_failure_to(name, destination, MaximumRetryAttempts=0)
        request_id = self.event(name, b'{"once": true}')
        (record,) = self.fast.records(destination, 1)
        self.expect_record(record, "RetriesExhausted", name, request_id, {"once": True}, 1, ("Unhandled", ERROR))
        eq([log["request_id"] for log in self.fast.logs(name)], [request_id], "attempts with no retries")

    def check_on_success_record(self):
        destination = self.create("success-dest", "log_event")
        name = self.create("succeeds", "echo")
        self.client.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn(destination)}}
        )
        request_id = self.event(name, b'{"n": [1, 2, 3]}')
        (record,) = self.fast.records(destination, 1)
        self.expect_record(record, "Success", name, request_id, {"n": [1, 2, 3]}, 1, (None, {"n": [1, 2, 3]}))

    def check_zero_reserved_concurrency(self):
        destination = self.create("zero-dest", "log_event")
        name = self.create("zero", "echo")
        self.client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
        self.on_failure_to(name, destination)
        request_id = self.event(name, b'{"never": "runs"}')
        (record,) = self.fast.records(destination, 1)
        self.expect_record(record, "ZeroReservedConcurrency", name, request_id, {"never": "runs"}, 0)
        eq(self.fast.logs(name), [], "runs of a function with reserved concurrency 0")

    def check_maximum_event_age_cuts_retries_short(self):
        # On the server whose retries wait 2 x 60 s: the first retry would
        # start past the 60 s maximum age, so the event ends after one try.
        server = self.aged
        destination = self.create("aged-dest", "log_event", server=server)
        name = self.create("aged", "exit_error", server=server)
        server.client.put_function_event_invoke_config(
            FunctionName=name,
            MaximumEventAgeInSeconds=60,
            DestinationConfig={"OnFailure": {"Destination": arn(destination)}},
        )
        request_id = self.event(name, b'{"aged": 1}', server=server)
        (record,) = server.records(destination, 1)
        self.expect_record(record, "EventAgeExceeded", name, request_id, {"aged": 1}, 1, ("Unhandled", ERROR))
        eq(len(server.logs(name)), 1, "attempts of an event past its age")

    def check_throttled_events_wait_for_capacity(self):
        name = self.create("sleepy", "sleep_two_seconds", Timeout=10)
        self.client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
        throttled_before = self.fast.metric("nimbus_async_throttled_total")
        sync = {}
        runner = threading.Thread(target=lambda: sync.update(r=self.client.invoke(FunctionName=name, Payload=b"{}")))
        runner.start()
        wait_for("the sync invoke to hold the only slot",
                 lambda: self.fast.metric("nimbus_concurrent_executions") >= 1)
        request_id = self.event(name, b'{"waits": true}')
        wait_for("the event to be throttled",
                 lambda: self.fast.metric("nimbus_async_throttled_total") > throttled_before)
        runner.join()
        eq(sync["r"]["StatusCode"], 200, "the sync invoke's status")
        logs = self.fast.runs(name, 2)
        eq(logs[1]["request_id"], request_id, "the second run is the event")
        log = logs[1]["log"]
        check(f"REPORT RequestId: {request_id}" in log and "timed out" not in log, f"the event's run: {log!r}")

    def check_dead_letters_get_redrive_delete(self):
        name, request_id, letter_id = self.state["letter"]
        detail = self.fast.json("GET", f"/nimbus/v1/dead-letters/{letter_id}")
        eq((detail["request_id"], detail["payload"]), (request_id, {"try": 1}), "the dead letter's event")
        # Fixed code, then redriven: the same request id runs and succeeds.
        self.client.update_function_code(FunctionName=name, ZipFile=self.zips["echo"])
        status, _, body = self.fast.http("POST", f"/nimbus/v1/dead-letters/{letter_id}/redrive")
        eq(status, 202, f"HTTP status of a redrive ({body[:200]!r})")
        logs = self.fast.runs(name, 4)
        eq(logs[3]["request_id"], request_id, "the redriven event's request id")
        check("END RequestId" in logs[3]["log"] and "bad input" not in logs[3]["log"], logs[3]["log"])
        eq(self.fast.json("GET", f"/nimbus/v1/dead-letters?function={name}")["dead_letters"], [],
           "dead letters after a successful redrive")
        # Another failure, deleted.
        self.client.update_function_code(FunctionName=name, ZipFile=self.zips["exit_error"])
        self.client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
        self.event(name, b'{"try": 2}')
        (letter,) = wait_for(
            "a second dead letter",
            lambda: self.fast.json("GET", f"/nimbus/v1/dead-letters?function={name}")["dead_letters"],
        )
        eq(letter["attempts"], 1, "attempts with MaximumRetryAttempts 0")
        status, _, _ = self.fast.http("DELETE", f"/nimbus/v1/dead-letters/{letter['id']}")
        eq(status, 204, "HTTP status of deleting a dead letter")
        status, _, body = self.fast.http("GET", f"/nimbus/v1/dead-letters/{letter['id']}")
        eq(status, 404, f"HTTP status of a deleted dead letter ({body[:200]!r})")

    def check_idempotency_key(self):
        name = self.create("once", "log_event")
        path = f"/2015-03-31/functions/{name}/invocations"
        headers = {"X-Amz-Invocation-Type": "Event", "X-Nimbus-Idempotency-Key": "order-42"}
        first = self.fast.http("POST", path, b'{"order": 42}', headers)
        second = self.fast.http("POST", path, b'{"order": 42}', headers)
        eq((first[0], second[0]), (202, 202), "HTTP statuses")
        check(first[1].get("x-amzn-requestid"), f"no x-amzn-RequestId: {first[1]}")
        eq(second[1].get("x-amzn-requestid"), first[1]["x-amzn-requestid"], "the repeat's request id")
        other = self.fast.http("POST", path, b'{"order": 43}', {**headers, "X-Nimbus-Idempotency-Key": "order-43"})
        eq(other[0], 202, "HTTP status of another key")
        logs = self.fast.runs(name, 2)
        ids = sorted(log["request_id"] for log in logs)
        eq(ids, sorted([first[1]["x-amzn-requestid"], other[1]["x-amzn-requestid"]]), "runs (one per key)")
        bad = self.fast.http("POST", path, b"{}", {**headers, "X-Nimbus-Idempotency-Key": "x" * 257})
        eq(bad[0], 400, f"HTTP status of a 257-character key ({bad[2][:200]!r})")

    def check_event_invoke_config_shapes(self):
        name = self.create("configured", "echo")
        target = self.create("target", "echo")
        r = self.client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
        eq(r["FunctionArn"], arn(name, "$LATEST"), "FunctionArn of Put without a qualifier")
        eq(r["DestinationConfig"], {"OnSuccess": {}, "OnFailure": {}}, "an empty DestinationConfig")
        eq((r["MaximumRetryAttempts"], "MaximumEventAgeInSeconds" in r), (1, False), "limits present when set")
        check(abs(r["LastModified"].timestamp() - time.time()) < 300, f"LastModified {r['LastModified']}")
        r = self.client.update_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnFailure": {"Destination": arn(target)}}
        )
        eq((r["MaximumRetryAttempts"], r["DestinationConfig"]["OnFailure"]), (1, {"Destination": arn(target)}),
           "Update merges")
        r = self.client.put_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=120)
        eq(("MaximumRetryAttempts" in r, r["MaximumEventAgeInSeconds"], r["DestinationConfig"]),
           (False, 120, {"OnSuccess": {}, "OnFailure": {}}), "Put replaces")
        got = self.client.get_function_event_invoke_config(FunctionName=name)
        eq(got["MaximumEventAgeInSeconds"], 120, "Get")
        listed = self.client.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]
        eq([c["FunctionArn"] for c in listed], [arn(name, "$LATEST")], "List")
        r = self.client.delete_function_event_invoke_config(FunctionName=name)
        eq(status_of(r), 204, "HTTP status of Delete")
        missing_config = f"The function {arn(name, '$LATEST')} doesn't have an EventInvokeConfig"
        self.expect_error("ResourceNotFoundException", 404, missing_config,
                          self.client.get_function_event_invoke_config, FunctionName=name)
        self.expect_error("ResourceNotFoundException", 404, "The function doesn't exist.",
                          self.client.put_function_event_invoke_config,
                          FunctionName=self.name("nobody"), MaximumRetryAttempts=1)
        self.expect_error("InvalidParameterValueException", 400,
                          "You must specify at least one of error handling or destination setting.",
                          self.client.put_function_event_invoke_config, FunctionName=name)
        missing = arn(self.name("nobody"))
        self.expect_error("InvalidParameterValueException", 400, f"The destination ARN {missing} is invalid.",
                          self.client.put_function_event_invoke_config, FunctionName=name,
                          DestinationConfig={"OnFailure": {"Destination": missing}})
        queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:q"
        self.expect_error("InvalidParameterValueException", 400, f"The destination ARN {queue} is invalid.",
                          self.client.put_function_event_invoke_config, FunctionName=name,
                          DestinationConfig={"OnFailure": {"Destination": queue}})
        self.expect_error("InvalidParameterValueException", 400,
                          "You can't specify the function as a destination for itself.",
                          self.client.put_function_event_invoke_config, FunctionName=name,
                          DestinationConfig={"OnSuccess": {"Destination": arn(name)}})
        self.expect_error("ValidationException", 400,
                          "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy "
                          "constraint: Member must have value less than or equal to 2",
                          self.fast.raw.put_function_event_invoke_config, FunctionName=name,
                          MaximumRetryAttempts=3)
        self.expect_error("ValidationException", 400,
                          "1 validation error detected: Value '59' at 'maximumEventAgeInSeconds' failed to "
                          "satisfy constraint: Member must have value greater than or equal to 60",
                          self.fast.raw.put_function_event_invoke_config, FunctionName=name,
                          MaximumEventAgeInSeconds=59)

    def check_dead_letter_target_function_gets_the_raw_event(self):
        dlq = self.create("dlq", "log_event")
        name = self.create("with-dlq", "exit_error", DeadLetterConfig={"TargetArn": arn(dlq)})
        got = self.client.get_function_configuration(FunctionName=name)
        eq(got.get("DeadLetterConfig"), {"TargetArn": arn(dlq)}, "DeadLetterConfig in the configuration")
        self.client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
        self.event(name, b'{"raw": "event"}')
        (received,) = self.fast.records(dlq, 1)
        eq(received, {"raw": "event"}, "what the dead-letter function received")

    def check_deleting_a_function_deletes_its_configs(self):
        name = self.create("doomed", "echo")
        self.client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
        self.client.delete_function(FunctionName=name)
        self.create("doomed", "echo")
        self.expect_error("ResourceNotFoundException", 404,
                          f"The function {arn(name, '$LATEST')} doesn't have an EventInvokeConfig",
                          self.client.get_function_event_invoke_config, FunctionName=name)

    def checks(self):
        return [(name[len("check_"):], getattr(self, name)) for name in Suite.ORDER]

    ORDER = [
        "check_event_runs_with_its_request_id",
        "check_function_errors_are_tried_three_times_with_one_request_id",
        "check_maximum_retry_attempts_zero_and_the_on_failure_record",
        "check_on_success_record",
        "check_zero_reserved_concurrency",
        "check_maximum_event_age_cuts_retries_short",
        "check_throttled_events_wait_for_capacity",
        "check_dead_letters_get_redrive_delete",
        "check_idempotency_key",
        "check_event_invoke_config_shapes",
        "check_dead_letter_target_function_gets_the_raw_event",
        "check_deleting_a_function_deletes_its_configs",
    ]


def describe_client_error(error):
    if isinstance(error, ClientError):
        return f"{error} {error.response.get('Error')}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="a server with --retry-delay-scale 0.001")
    parser.add_argument("--aged-endpoint", required=True, help="a server with --retry-delay-scale 2")
    parser.add_argument("--bundles", required=True, help="dir with echo.zip, exit_error.zip, ...")
    args = parser.parse_args()
    suite = Suite(args.endpoint, args.aged_endpoint, args.bundles)
    sys.exit(1 if run(suite.checks(), describe_client_error) else 0)


if __name__ == "__main__":
    main()
