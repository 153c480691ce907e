//! The registry held in memory: every function, version and alias, so that
//! resolving a name on the invocation path is a map lookup, not a query.
//! A [`Catalog`] is an immutable snapshot (see `registry/mod.rs` for how a
//! change makes the next one); SQLite (`store.rs`) is the durable copy.

use crate::invocation::admit::FunctionConcurrency;
use crate::invocation::executor::TenantId;
use crate::metering::metrics::FunctionMetrics;
use crate::model::{
    AliasConfiguration, AliasRoutingConfiguration, DeadLetterConfig, Environment, EphemeralStorage,
    FunctionConfiguration, TracingConfig,
};
use crate::names::{ArnScope, LATEST};
use nimbus_sandbox::PreparedFunction;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// One version's settings and code, as stored (immutable once published).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct VersionRecord {
    pub runtime: String,
    pub role: String,
    pub handler: String,
    pub code_size: u64,
    pub code_sha256: String,
    pub code_digest_hex: String,
    pub description: String,
    pub timeout: u32,
    pub memory_size: u32,
    pub env: BTreeMap<String, String>,
    pub last_modified: String,
    pub revision_id: String,
    pub architectures: Vec<String>,
    /// The function that gets the raw event of a failed asynchronous
    /// invocation (`DeadLetterConfig.TargetArn`).
    #[serde(default)]
    pub dead_letter_target: Option<String>,
}

impl VersionRecord {
    /// Whether two records run the same thing (what PublishVersion compares).
    pub(crate) fn same_function_as(&self, other: &VersionRecord) -> bool {
        self.code_sha256 == other.code_sha256
            && self.handler == other.handler
            && self.runtime == other.runtime
            && self.timeout == other.timeout
            && self.memory_size == other.memory_size
            && self.env == other.env
            && self.role == other.role
            && self.dead_letter_target == other.dead_letter_target
    }

    pub(crate) fn configuration(&self, scope: &ArnScope, name: &str, version: &str) -> FunctionConfiguration {
        let function_arn =
            if version == LATEST { scope.function_arn(name) } else { scope.qualified_arn(name, version) };
        FunctionConfiguration {
            function_name: name.to_string(),
            function_arn,
            runtime: self.runtime.clone(),
            role: self.role.clone(),
            handler: self.handler.clone(),
            code_size: self.code_size,
            code_sha256: self.code_sha256.clone(),
            description: self.description.clone(),
            timeout: self.timeout,
            memory_size: self.memory_size,
            last_modified: self.last_modified.clone(),
            version: version.to_string(),
            environment: Environment { variables: self.env.clone() },
            state: "Active".into(),
            last_update_status: "Successful".into(),
            revision_id: self.revision_id.clone(),
            package_type: "Zip".into(),
            architectures: self.architectures.clone(),
            ephemeral_storage: EphemeralStorage { size: 512 },
            tracing_config: TracingConfig { mode: "PassThrough".into() },
            dead_letter_config: self
                .dead_letter_target
                .as_ref()
                .map(|target| DeadLetterConfig { target_arn: Some(target.clone()) }),
        }
    }
}

/// A version with its warm, ready-to-run module.
pub(crate) struct VersionEntry {
    pub version: String,
    pub record: VersionRecord,
    /// Prepared on create/update/publish, dropped when idle, re-prepared
    /// from the artifact cache on demand (held only to clone or swap it).
    prepared: Mutex<Option<PreparedFunction>>,
    /// Unix ms of the last invocation, for the idle unloader.
    last_used_ms: AtomicU64,
    /// Its function's metric handles, looked up on first use.
    pub metrics: OnceLock<FunctionMetrics>,
}

impl VersionEntry {
    pub(crate) fn new(version: String, record: VersionRecord, prepared: Option<PreparedFunction>) -> Arc<Self> {
        Arc::new(Self {
            version,
            record,
            prepared: Mutex::new(prepared),
            last_used_ms: AtomicU64::new(now_ms()),
            metrics: OnceLock::new(),
        })
    }

    pub(crate) fn touch(&self) {
        self.last_used_ms.store(now_ms(), Ordering::Relaxed);
    }

    /// Unix ms of its last invocation (or of its creation).
    pub(crate) fn last_used_ms(&self) -> u64 {
        self.last_used_ms.load(Ordering::Relaxed)
    }

    /// Its prepared function, when it is warm.
    pub(crate) fn prepared(&self) -> Option<PreparedFunction> {
        self.slot().clone()
    }

    /// Keeps `prepared` as its prepared function.
    pub(crate) fn keep_prepared(&self, prepared: PreparedFunction) {
        *self.slot() = Some(prepared);
    }

    /// Drops its prepared function; says whether it had one.
    pub(crate) fn unload(&self) -> bool {
        self.slot().take().is_some()
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<PreparedFunction>> {
        self.prepared.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// An alias, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct AliasRecord {
    pub function_version: String,
    pub description: String,
    pub weights: BTreeMap<String, f64>,
    pub revision_id: String,
}

impl AliasRecord {
    pub(crate) fn configuration(&self, scope: &ArnScope, function: &str, name: &str) -> AliasConfiguration {
        AliasConfiguration {
            alias_arn: scope.qualified_arn(function, name),
            name: name.to_string(),
            function_version: self.function_version.clone(),
            description: self.description.clone(),
            routing_config: (!self.weights.is_empty())
                .then(|| AliasRoutingConfiguration { additional_version_weights: self.weights.clone() }),
            revision_id: self.revision_id.clone(),
        }
    }

    /// The version an invocation runs, given a uniform sample in [0, 1).
    pub(crate) fn pick_version(&self, sample: f64) -> &str {
        let mut threshold = 0.0;
        for (version, weight) in &self.weights {
            threshold += weight;
            if sample < threshold {
                return version;
            }
        }
        &self.function_version
    }
}

/// A function: `$LATEST`, its published versions, aliases and concurrency.
#[derive(Clone)]
pub(crate) struct FunctionEntry {
    pub latest: Arc<VersionEntry>,
    pub published: BTreeMap<u64, Arc<VersionEntry>>,
    pub aliases: BTreeMap<String, AliasRecord>,
    /// The next number PublishVersion gives (numbers are never reused).
    pub next_version: u64,
    /// Reserved concurrency (`None`: it shares the account's unreserved pool).
    pub reserved: Option<u32>,
    /// Its running invocations (shared by every snapshot of the function).
    pub concurrency: Arc<FunctionConcurrency>,
    /// Who it is to the executor's fair sharing (stable for its life).
    pub tenant: TenantId,
    /// Asynchronous invocation settings, by qualifier (`$LATEST` when the
    /// function is invoked unqualified).
    pub event_configs: BTreeMap<String, EventConfigRecord>,
}

/// One qualifier's event invoke configuration, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct EventConfigRecord {
    pub maximum_retry_attempts: Option<u32>,
    pub maximum_event_age_in_seconds: Option<u32>,
    pub on_success: Option<String>,
    pub on_failure: Option<String>,
    /// Unix ms.
    pub last_modified_ms: i64,
}

impl FunctionEntry {
    /// A function just created: only `$LATEST`, no aliases, no reservation,
    /// no event invoke configuration.
    pub(crate) fn created(latest: Arc<VersionEntry>, tenant: TenantId) -> Self {
        Self {
            latest,
            published: BTreeMap::new(),
            aliases: BTreeMap::new(),
            next_version: 1,
            reserved: None,
            concurrency: FunctionConcurrency::new(),
            tenant,
            event_configs: BTreeMap::new(),
        }
    }

    /// `$LATEST` or a published number.
    pub(crate) fn version(&self, version: &str) -> Option<&Arc<VersionEntry>> {
        if version == LATEST {
            return Some(&self.latest);
        }
        self.published.get(&version.parse::<u64>().ok()?)
    }

    /// `$LATEST` and every published version.
    pub(crate) fn versions(&self) -> impl Iterator<Item = &Arc<VersionEntry>> {
        std::iter::once(&self.latest).chain(self.published.values())
    }
}

/// Every function, by name (sorted, for ListFunctions' pages). Cloning it
/// copies the map, not the entries.
#[derive(Default, Clone)]
pub(crate) struct Catalog {
    pub functions: BTreeMap<String, Arc<FunctionEntry>>,
}

impl Catalog {
    /// Whether any version of any function runs the zip with this digest.
    pub(crate) fn uses_code(&self, digest_hex: &str) -> bool {
        self.functions.values().any(|f| f.versions().any(|v| v.record.code_digest_hex == digest_hex))
    }

    /// The sum of every function's reserved concurrency.
    pub(crate) fn reserved_total(&self) -> u64 {
        self.functions.values().filter_map(|f| f.reserved).map(u64::from).sum()
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Lambda's `LastModified` format: `2026-11-28T10:00:00.000+0000`.
pub(crate) fn last_modified_now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// A new `RevisionId`.
pub(crate) fn new_revision_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_route_the_given_share() {
        let alias = AliasRecord {
            function_version: "1".into(),
            description: String::new(),
            weights: BTreeMap::from([("2".to_string(), 0.25)]),
            revision_id: String::new(),
        };
        assert_eq!(alias.pick_version(0.1), "2");
        assert_eq!(alias.pick_version(0.25), "1");
        assert_eq!(alias.pick_version(0.9), "1");
    }

    #[test]
    fn last_modified_has_lambdas_shape() {
        let text = last_modified_now();
        assert_eq!(text.len(), "2026-11-28T10:00:00.000+0000".len(), "{text}");
        assert!(text.ends_with("+0000"));
    }
}
