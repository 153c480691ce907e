//! A small JSON API over the HTTP API (payload 2.0) / function URL event:
//!
//! | route | answer |
//! |---|---|
//! | `GET /items[?maxPriceCents=N]` | 200, the catalogue (filtered) |
//! | `GET /items/{id}` | 200, one item; 404 if unknown |
//! | `POST /items` | 201 + `location`, the new item (JSON body, base64 or not); 400 if invalid |
//! | `DELETE /items/{id}` | 204; 404 if unknown |
//! | another method | 405 + `allow` |
//!
//! The catalogue is the bundle's own file `/var/task/items.json`. Every
//! invocation starts from a fresh instance, so changes are not kept: a real
//! function would write them to a database, this one answers as if it had.

use nimbus_sdk::events::{HttpRequest, HttpResponse};
use nimbus_sdk::serde::{Deserialize, Serialize};
use nimbus_sdk::serde_json::json;
use nimbus_sdk::{Context, Error, log};

/// Read-only, shipped in the bundle (`nimbus bundle --include task`).
const CATALOGUE: &str = "/var/task/items.json";

#[derive(Deserialize, Serialize)]
#[serde(crate = "nimbus_sdk::serde", rename_all = "camelCase")]
struct Item {
    id: u64,
    name: String,
    price_cents: u64,
}

/// The body of `POST /items`.
#[derive(Deserialize)]
#[serde(
    crate = "nimbus_sdk::serde",
    rename_all = "camelCase",
    deny_unknown_fields
)]
struct NewItem {
    name: String,
    price_cents: u64,
}

fn handler(request: HttpRequest, _: Context) -> Result<HttpResponse, Error> {
    log!("{} {}", request.method(), request.path());
    let items: Vec<Item> = nimbus_sdk::serde_json::from_slice(&std::fs::read(CATALOGUE)?)?;
    let segments: Vec<&str> = request
        .path()
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    match (request.method(), segments.as_slice()) {
        ("GET", ["items"]) => list(&request, &items),
        ("POST", ["items"]) => create(&request, &items),
        ("GET", ["items", segment]) => match find(&request, segment, &items) {
            Ok(item) => HttpResponse::json(200, item),
            Err(response) => Ok(response),
        },
        ("DELETE", ["items", segment]) => match find(&request, segment, &items) {
            Ok(item) => {
                log!("deleted item {}", item.id);
                Ok(HttpResponse::new(204))
            }
            Err(response) => Ok(response),
        },
        (_, ["items"]) => Ok(problem(405, "use GET or POST")?.with_header("allow", "GET, POST")),
        (_, ["items", _]) => {
            Ok(problem(405, "use GET or DELETE")?.with_header("allow", "GET, DELETE"))
        }
        _ => problem(
            404,
            &format!("no route for {} {}", request.method(), request.path()),
        ),
    }
}

fn list(request: &HttpRequest, items: &[Item]) -> Result<HttpResponse, Error> {
    let max_price = match request.query("maxPriceCents").map(str::parse::<u64>) {
        None => u64::MAX,
        Some(Ok(max)) => max,
        Some(Err(_)) => return problem(400, "maxPriceCents must be a whole number"),
    };
    let selected: Vec<&Item> = items
        .iter()
        .filter(|item| item.price_cents <= max_price)
        .collect();
    HttpResponse::json(200, &json!({ "items": selected, "count": selected.len() }))
}

/// The item named by the route's `{id}` path parameter (HTTP API routes) or
/// by the path itself (function URLs have no routes), else the error reply.
fn find<'a>(
    request: &HttpRequest,
    segment: &str,
    items: &'a [Item],
) -> Result<&'a Item, HttpResponse> {
    let id = request.path_parameter("id").unwrap_or(segment);
    let reply = |status, message: String| {
        problem(status, &message).unwrap_or_else(|_| HttpResponse::new(status))
    };
    let id: u64 = id
        .parse()
        .map_err(|_| reply(400, format!("item id '{id}' is not a number")))?;
    items
        .iter()
        .find(|item| item.id == id)
        .ok_or_else(|| reply(404, format!("no item {id}")))
}

fn create(request: &HttpRequest, items: &[Item]) -> Result<HttpResponse, Error> {
    let new: NewItem = match request.json() {
        Ok(new) => new,
        Err(error) => return problem(400, &format!("invalid item: {}", error.message())),
    };
    if new.name.trim().is_empty() {
        return problem(400, "invalid item: name must not be blank");
    }
    let id = items.iter().map(|item| item.id).max().unwrap_or(0) + 1;
    let item = Item {
        id,
        name: new.name,
        price_cents: new.price_cents,
    };
    log!("created item {id}");
    Ok(HttpResponse::json(201, &item)?.with_header("location", format!("/items/{id}")))
}

/// An error reply: `{"message": …}` with this status.
fn problem(status: u16, message: &str) -> Result<HttpResponse, Error> {
    HttpResponse::json(status, &json!({ "message": message }))
}

fn main() {
    nimbus_sdk::run(handler)
}
