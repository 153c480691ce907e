//! `GET /healthz`: the process is up and answering.

/// `200 ok`.
pub(crate) async fn healthz() -> &'static str {
    "ok"
}
