//! Processes a batch of order messages from SQS and reports the ones that
//! failed in `batchItemFailures`, so that only those are delivered again
//! (Lambda's `ReportBatchItemFailures`). One bad message never fails the
//! messages beside it.

use nimbus_sdk::events::{SqsBatchResponse, SqsEvent, SqsMessage};
use nimbus_sdk::serde::Deserialize;
use nimbus_sdk::{Context, Error, log};

/// The body of one message.
#[derive(Deserialize)]
#[serde(crate = "nimbus_sdk::serde", rename_all = "camelCase")]
struct Order {
    order_id: String,
    sku: String,
    quantity: u32,
    unit_price_cents: u64,
}

fn handler(event: SqsEvent, _: Context) -> Result<SqsBatchResponse, Error> {
    let mut response = SqsBatchResponse::default();
    let mut revenue_cents = 0;
    for message in &event.records {
        match process(message) {
            Ok(total_cents) => revenue_cents += total_cents,
            Err(error) => {
                log!("message {} failed: {error}", message.message_id);
                response.add_failure(&message.message_id);
            }
        }
    }
    let failed = response.batch_item_failures.len();
    log!(
        "{} of {} messages processed, revenue {} cents",
        event.records.len() - failed,
        event.records.len(),
        revenue_cents
    );
    Ok(response)
}

/// Handles one message: the order's total in cents.
fn process(message: &SqsMessage) -> Result<u64, Error> {
    let order: Order = nimbus_sdk::serde_json::from_str(&message.body)?;
    if order.quantity == 0 || order.sku.is_empty() {
        return Err(Error::new(
            "InvalidOrder",
            format!("order {} has no sku or quantity", order.order_id),
        ));
    }
    log!(
        "order {}: {} x {}",
        order.order_id,
        order.quantity,
        order.sku
    );
    Ok(u64::from(order.quantity) * order.unit_price_cents)
}

fn main() {
    nimbus_sdk::run(handler)
}
