//! `{"name":"x"}` → `{"message":"Hello, x!"}`.

use nimbus_sdk::serde::{Deserialize, Serialize};
use nimbus_sdk::{Context, Error, log};

#[derive(Deserialize)]
#[serde(crate = "nimbus_sdk::serde")]
struct Request {
    /// Who to greet; "world" when absent.
    name: Option<String>,
}

#[derive(Serialize)]
#[serde(crate = "nimbus_sdk::serde")]
struct Response {
    message: String,
}

fn handler(request: Request, context: Context) -> Result<Response, Error> {
    let name = request.name.unwrap_or_else(|| "world".to_string());
    if name.trim().is_empty() {
        return Err(Error::new("InvalidName", "name must not be blank"));
    }
    log!(
        "{} (version {}) greets {name}",
        context.function_name,
        context.function_version
    );
    Ok(Response {
        message: format!("Hello, {name}!"),
    })
}

fn main() {
    nimbus_sdk::run(handler)
}
