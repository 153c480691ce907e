#!/usr/bin/env python3
"""Deploys every example bundle to a running `nimbus serve` with boto3 and
invokes it with each sample event, comparing the response with the expected
one exactly (as `nimbus run` is compared in scripts/test-examples.sh).

    python3 tests/e2e/examples_boto3.py --endpoint http://127.0.0.1:7700 \
        --examples examples --bundles examples/target/bundles
"""
import argparse
import json
import pathlib
import sys

import boto3
from botocore.config import Config

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def client(endpoint):
    return boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, read_timeout=60),
    )


def cases(example_dir):
    yield example_dir.name, example_dir / "event.json", example_dir / "expected.json"
    for event in sorted((example_dir / "cases").glob("*.event.json")):
        case = event.name[: -len(".event.json")]
        yield f"{example_dir.name}/{case}", event, example_dir / "cases" / f"{case}.expected.json"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--examples", required=True, type=pathlib.Path)
    parser.add_argument("--bundles", required=True, type=pathlib.Path)
    args = parser.parse_args()
    lam = client(args.endpoint)
    passed = failed = 0
    for example_dir in sorted(p for p in args.examples.iterdir() if (p / "event.json").exists()):
        name = f"example-{example_dir.name}"
        zip_bytes = (args.bundles / f"{example_dir.name}.zip").read_bytes()
        lam.create_function(
            FunctionName=name,
            Runtime="provided.al2023",
            Role=ROLE,
            Handler="function.wasm",
            Code={"ZipFile": zip_bytes},
            Timeout=30,
            MemorySize=256,
        )
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
        for label, event, expected_file in cases(example_dir):
            expected = expected_file.read_text().rstrip("\n")
            response = lam.invoke(FunctionName=name, Payload=event.read_bytes())
            actual = response["Payload"].read().decode("utf-8", "replace").rstrip("\n")
            wants_error = '"errorType"' in expected
            got_error = response.get("FunctionError") == "Unhandled"
            if actual == expected and wants_error == got_error:
                print(f"ok     boto3 {label}")
                passed += 1
            else:
                print(f"FAILED boto3 {label}: FunctionError={response.get('FunctionError')!r}")
                print(f"  expected: {expected[:500]}")
                print(f"  actual:   {actual[:500]}")
                failed += 1
        lam.delete_function(FunctionName=name)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
