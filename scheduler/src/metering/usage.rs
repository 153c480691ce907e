//! Usage totals and logs, read from the ledger's tables.

use super::log_frame;
use super::usage_types::{LogRecord, UsageBucket, UsageQuery, UsageReport, UsageTotals};
use crate::error::Result;
use crate::state::State;
use chrono::{DateTime, SecondsFormat, Utc};
use nimbus_sandbox::InvocationMetrics;
use rusqlite::params;

fn rfc3339_of_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default().to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl State {
    pub(crate) fn usage(&self, query: UsageQuery) -> Result<UsageReport> {
        let from = query.from.map_or(i64::MIN, |t| t.timestamp_millis());
        let to = query.to.map_or(i64::MAX, |t| t.timestamp_millis());
        let function = query.function.clone();
        let prices = self.config.prices;
        let totals_of = |invocations: i64, errors: i64, gb_seconds: f64, billed_ms: i64| UsageTotals {
            invocations: invocations as u64,
            errors: errors as u64,
            gb_seconds,
            billed_ms: billed_ms as u64,
            cost_usd: invocations as f64 * prices.per_request_usd + gb_seconds * prices.per_gb_second_usd,
        };
        let connection = self.registry.store.lock();
        let filter = "(?1 IS NULL OR function = ?1) AND started_at_ms >= ?2 AND started_at_ms < ?3";
        let totals = connection.query_row(
            &format!(
                "SELECT COUNT(*), COALESCE(SUM(outcome != 'Success'), 0), COALESCE(SUM(gb_seconds), 0.0),
                 COALESCE(SUM(billed_ms), 0) FROM usage WHERE {filter}"
            ),
            params![function, from, to],
            |row| Ok(totals_of(row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )?;
        let series = if query.group_by_hour {
            let mut statement = connection.prepare(&format!(
                "SELECT started_at_ms / 3600000 AS hour, COUNT(*), SUM(outcome != 'Success'), SUM(gb_seconds), SUM(billed_ms)
                 FROM usage WHERE {filter} GROUP BY hour ORDER BY hour"
            ))?;
            let rows = statement.query_map(params![function, from, to], |row| {
                Ok(UsageBucket {
                    hour: rfc3339_of_ms(row.get::<_, i64>(0)? * 3_600_000),
                    totals: totals_of(row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?),
                })
            })?;
            Some(rows.collect::<std::result::Result<Vec<_>, _>>()?)
        } else {
            None
        };
        Ok(UsageReport {
            function: query.function,
            from: query.from.map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true)),
            to: query.to.map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true)),
            totals,
            series,
        })
    }

    pub(crate) fn logs(&self, function: &str, limit: usize) -> Result<Vec<LogRecord>> {
        let connection = self.registry.store.lock();
        let mut statement = connection.prepare(
            "SELECT request_id, function, version, started_at_ms, log, duration_us, memory_mb, max_memory_used_mb
             FROM usage WHERE function = ?1 AND log IS NOT NULL ORDER BY started_at_ms DESC, rowid DESC LIMIT ?2",
        )?;
        let rows = statement.query_map(
            params![function, limit.min(self.config.limits.max_logs_per_request) as i64],
            |row| {
                let request_id: String = row.get(0)?;
                let version: String = row.get(2)?;
                let started_at_ms: i64 = row.get(3)?;
                let body: String = row.get(4)?;
                let memory_mb: u32 = row.get(6)?;
                let metrics = InvocationMetrics {
                    started_at: std::time::UNIX_EPOCH + std::time::Duration::from_millis(started_at_ms.max(0) as u64),
                    duration_us: row.get::<_, i64>(5)?.max(0) as u64,
                    peak_memory_bytes: row.get::<_, i64>(7)?.max(0) as u64 * 1024 * 1024,
                    cold_start: false,
                    instructions: None,
                };
                Ok(LogRecord {
                    log: log_frame::framed(&request_id, &version, &body, &metrics, memory_mb),
                    request_id,
                    function: row.get(1)?,
                    version,
                    started_at: rfc3339_of_ms(started_at_ms),
                })
            },
        )?;
        Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
    }
}
