//! `run` as a process: stdin in, stdout and the exit status out, exactly as
//! the sandbox sees a function. The binary re-runs itself as the function
//! when `NIMBUS_SDK_TEST_HANDLER` names one.

use nimbus_sdk::{Context, Error};
use std::io::Write;
use std::process::{Command, Stdio};

fn greet(event: serde_json::Value, context: Context) -> Result<serde_json::Value, Error> {
    match event["name"].as_str() {
        Some("panic") => panic!("no greeting for {}", context.function_name),
        Some("") => Err(Error::new("InvalidName", "name must not be empty")),
        Some(name) => Ok(serde_json::json!({ "message": format!("Hello, {name}!") })),
        None => Err(serde_json::from_str::<u8>("oops").unwrap_err().into()),
    }
}

/// Runs this binary as the function: (stdout, stderr, exit status).
fn invoke(event: &str) -> (String, String, i32) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env("NIMBUS_SDK_TEST_HANDLER", "greet")
        .env("NIMBUS_FUNCTION_NAME", "greeter")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(event.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (text(output.stdout), text(output.stderr), output.status.code().unwrap_or(-1))
}

fn main() {
    if std::env::var("NIMBUS_SDK_TEST_HANDLER").as_deref() == Ok("greet") {
        return nimbus_sdk::run(greet);
    }
    let mut passed = 0;
    let mut check = |name: &str, event: &str, stdout: &str, status: i32, stderr: Stderr| {
        let (out, err, code) = invoke(event);
        assert_eq!((out.as_str(), code), (stdout, status), "{name}: stderr was {err}");
        match stderr {
            Stderr::Exactly(expected) => assert_eq!(err, expected, "{name}: stderr"),
            Stderr::PanicThen(last) => {
                assert!(err.contains("panicked at sdk/tests/process.rs:"), "{name}: no panic message: {err}");
                assert!(err.ends_with(last), "{name}: stderr does not end with {last:?}: {err}");
            }
        }
        println!("test process::{name} ... ok");
        passed += 1;
    };
    check("success_returns_from_main", r#"{"name":"x"}"#, r#"{"message":"Hello, x!"}"#, 0, Stderr::Exactly(""));
    check(
        "handler_error_is_json_and_exit_1",
        r#"{"name":""}"#,
        r#"{"errorMessage":"name must not be empty","errorType":"InvalidName"}"#,
        1,
        Stderr::Exactly("ERROR InvalidName: name must not be empty\n"),
    );
    check(
        "question_mark_error_keeps_the_type",
        "{}",
        r#"{"errorMessage":"expected value at line 1 column 1","errorType":"serde_json::error::Error"}"#,
        1,
        Stderr::Exactly("ERROR serde_json::error::Error: expected value at line 1 column 1\n"),
    );
    check(
        "panic_is_runtime_panic_not_a_trap",
        r#"{"name":"panic"}"#,
        r#"{"errorMessage":"no greeting for greeter","errorType":"Runtime.Panic"}"#,
        1,
        Stderr::PanicThen("ERROR Runtime.Panic: no greeting for greeter\n"),
    );
    check(
        "bad_event_is_unmarshal_error",
        "{",
        r#"{"errorMessage":"the event is not a valid serde_json::value::Value: EOF while parsing an object at line 1 column 1","errorType":"Runtime.UnmarshalError"}"#,
        1,
        Stderr::Exactly(
            "ERROR Runtime.UnmarshalError: the event is not a valid serde_json::value::Value: EOF while parsing an object at line 1 column 1\n",
        ),
    );
    println!("\n{passed} passed, 0 failed");
}

/// What the function must log.
enum Stderr<'a> {
    /// This and nothing else.
    Exactly(&'a str),
    /// Rust's panic message, then this last.
    PanicThen(&'a str),
}
