//! GetAccountSettings.

use crate::AppState;
use crate::error::AppError;
use axum::Json;
use axum::extract::State;
use nimbus_scheduler::model::AccountSettings;

/// GetAccountSettings: `GET /2016-08-19/account-settings`.
pub(crate) async fn get(State(state): State<AppState>) -> Result<Json<AccountSettings>, AppError> {
    Ok(Json(state.scheduler.account_settings().await?))
}
