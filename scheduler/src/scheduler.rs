//! [`Scheduler`]: the one handle the gateway and the binary hold.

use crate::config::SchedulerConfig;
use crate::error::Result;
use crate::invocation::types::{InvokeRequest, InvokeResponse};
use crate::limits::Limits;
use crate::metering::metrics::Metrics;
use crate::metering::usage_types::{LogRecord, UsageQuery, UsageReport};
use crate::model::*;
use crate::names::ArnScope;
use std::sync::Arc;
use std::time::Duration;

/// Everything a GetFunction answer needs.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDetails {
    /// The version's configuration.
    pub configuration: FunctionConfiguration,
    /// Hex SHA-256 of its zip, for the code download URL.
    pub code_digest_hex: String,
    /// The function's reserved concurrency, if set.
    pub concurrency: Option<Concurrency>,
}

/// The scheduler: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Scheduler {
    pub(crate) inner: Arc<crate::state::State>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler").field("data_dir", &self.inner.config.data_dir).finish_non_exhaustive()
    }
}

impl Scheduler {
    /// Opens (or creates) the data directory, its registry and ledger, and
    /// starts the sandbox threads. Must be called from outside an async
    /// context or inside `spawn_blocking`: it may recompile nothing but
    /// does open files.
    pub fn open(config: SchedulerConfig) -> Result<Self> {
        let inner = Arc::new(crate::state::State::open(config)?);
        crate::state::start_upkeep(&inner);
        Ok(Self { inner })
    }

    /// The ARN scope (region and account id).
    pub fn scope(&self) -> &ArnScope {
        &self.inner.config.scope
    }

    /// The configuration.
    pub fn config(&self) -> &SchedulerConfig {
        &self.inner.config
    }

    /// The limits it enforces (the gateway and the CLI read them here).
    pub fn limits(&self) -> &Limits {
        &self.inner.config.limits
    }

    /// The Prometheus registry and the scheduler's collectors.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Runs a blocking registry call on Tokio's blocking pool.
    async fn blocking<T: Send + 'static>(
        &self,
        call: impl FnOnce(&crate::state::State) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || call(&inner))
            .await
            .map_err(|e| crate::Error::Service(format!("registry task failed: {e}")))?
    }

    /// CreateFunction.
    pub async fn create_function(&self, request: CreateFunctionRequest) -> Result<FunctionConfiguration> {
        self.blocking(move |s| s.create_function(request)).await
    }

    /// GetFunction.
    pub async fn get_function(&self, function: &str, qualifier: Option<&str>) -> Result<FunctionDetails> {
        let (function, qualifier) = owned(function, qualifier);
        self.blocking(move |s| s.get_function(&function, qualifier.as_deref())).await
    }

    /// GetFunctionConfiguration.
    pub async fn get_function_configuration(
        &self,
        function: &str,
        qualifier: Option<&str>,
    ) -> Result<FunctionConfiguration> {
        Ok(self.get_function(function, qualifier).await?.configuration)
    }

    /// ListFunctions ($LATEST of each, by name; `max_items` default and max 50).
    pub async fn list_functions(
        &self,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<FunctionConfiguration>> {
        let marker = marker.map(str::to_string);
        self.blocking(move |s| s.list_functions(marker.as_deref(), max_items)).await
    }

    /// UpdateFunctionCode.
    pub async fn update_function_code(
        &self,
        function: &str,
        request: UpdateFunctionCodeRequest,
    ) -> Result<FunctionConfiguration> {
        let function = function.to_string();
        self.blocking(move |s| s.update_function_code(&function, request)).await
    }

    /// UpdateFunctionConfiguration.
    pub async fn update_function_configuration(
        &self,
        function: &str,
        request: UpdateFunctionConfigurationRequest,
    ) -> Result<FunctionConfiguration> {
        let function = function.to_string();
        self.blocking(move |s| s.update_function_configuration(&function, request)).await
    }

    /// DeleteFunction (the whole function, or one version with a qualifier).
    pub async fn delete_function(&self, function: &str, qualifier: Option<&str>) -> Result<()> {
        let (function, qualifier) = owned(function, qualifier);
        self.blocking(move |s| s.delete_function(&function, qualifier.as_deref())).await
    }

    /// PublishVersion.
    pub async fn publish_version(
        &self,
        function: &str,
        request: PublishVersionRequest,
    ) -> Result<FunctionConfiguration> {
        let function = function.to_string();
        self.blocking(move |s| s.publish_version(&function, request)).await
    }

    /// ListVersionsByFunction ($LATEST first, then by number).
    pub async fn list_versions(
        &self,
        function: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<FunctionConfiguration>> {
        let (function, marker) = owned(function, marker);
        self.blocking(move |s| s.list_versions(&function, marker.as_deref(), max_items)).await
    }

    /// CreateAlias.
    pub async fn create_alias(&self, function: &str, request: CreateAliasRequest) -> Result<AliasConfiguration> {
        let function = function.to_string();
        self.blocking(move |s| s.create_alias(&function, request)).await
    }

    /// GetAlias.
    pub async fn get_alias(&self, function: &str, name: &str) -> Result<AliasConfiguration> {
        let (function, name) = (function.to_string(), name.to_string());
        self.blocking(move |s| s.get_alias(&function, &name)).await
    }

    /// UpdateAlias.
    pub async fn update_alias(
        &self,
        function: &str,
        name: &str,
        request: UpdateAliasRequest,
    ) -> Result<AliasConfiguration> {
        let (function, name) = (function.to_string(), name.to_string());
        self.blocking(move |s| s.update_alias(&function, &name, request)).await
    }

    /// DeleteAlias.
    pub async fn delete_alias(&self, function: &str, name: &str) -> Result<()> {
        let (function, name) = (function.to_string(), name.to_string());
        self.blocking(move |s| s.delete_alias(&function, &name)).await
    }

    /// ListAliases (optionally only those pointing at `function_version`).
    pub async fn list_aliases(
        &self,
        function: &str,
        function_version: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<AliasConfiguration>> {
        let function = function.to_string();
        let function_version = function_version.map(str::to_string);
        let marker = marker.map(str::to_string);
        self.blocking(move |s| s.list_aliases(&function, function_version.as_deref(), marker.as_deref(), max_items))
            .await
    }

    /// PutFunctionConcurrency.
    pub async fn put_function_concurrency(&self, function: &str, reserved: i64) -> Result<Concurrency> {
        let function = function.to_string();
        self.blocking(move |s| s.put_function_concurrency(&function, reserved)).await
    }

    /// GetFunctionConcurrency (`None` when nothing is reserved).
    pub async fn get_function_concurrency(&self, function: &str) -> Result<Option<Concurrency>> {
        let function = function.to_string();
        self.blocking(move |s| s.get_function_concurrency(&function)).await
    }

    /// DeleteFunctionConcurrency.
    pub async fn delete_function_concurrency(&self, function: &str) -> Result<()> {
        let function = function.to_string();
        self.blocking(move |s| s.delete_function_concurrency(&function)).await
    }

    /// GetAccountSettings.
    pub async fn account_settings(&self) -> Result<AccountSettings> {
        self.blocking(|s| s.account_settings()).await
    }

    /// A stored bundle's zip by its hex digest (for GetFunction's `Code.Location`).
    pub async fn code_zip(&self, digest_hex: &str) -> Result<Vec<u8>> {
        let digest_hex = digest_hex.to_string();
        self.blocking(move |s| s.code_zip(&digest_hex)).await
    }

    /// Invoke, synchronously: the response once the usage record is committed.
    pub async fn invoke(&self, request: InvokeRequest) -> Result<InvokeResponse> {
        crate::invocation::invoke_sync(&self.inner, request).await
    }

    /// Usage totals (and an hourly series) from the ledger.
    pub async fn usage(&self, query: UsageQuery) -> Result<UsageReport> {
        self.blocking(move |s| s.usage(query)).await
    }

    /// The newest `limit` invocation logs of a function, newest first.
    pub async fn logs(&self, function: &str, limit: usize) -> Result<Vec<LogRecord>> {
        let function = function.to_string();
        self.blocking(move |s| s.logs(&function, limit)).await
    }

    /// Waits up to `grace` for in-flight invocations, then flushes the ledger.
    pub async fn shutdown(&self, grace: Duration) {
        crate::invocation::drain(&self.inner, grace).await;
        let inner = Arc::clone(&self.inner);
        let _ = tokio::task::spawn_blocking(move || inner.ledger.flush()).await;
    }
}

fn owned(a: &str, b: Option<&str>) -> (String, Option<String>) {
    (a.to_string(), b.map(str::to_string))
}
