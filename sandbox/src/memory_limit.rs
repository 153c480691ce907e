//! The per-invocation memory budget: linear memory plus tables.

use wasmtime::ResourceLimiter;

/// Bytes one table element is charged (a function reference on a 64-bit host).
const TABLE_ELEMENT_BYTES: usize = 8;
/// Bytes of one WebAssembly page.
const WASM_PAGE_BYTES: u64 = 64 * 1024;

/// What `module`'s memories and tables take when it is instantiated, as
/// [`MemoryLimit`] counts it: a module that needs more than its function's
/// memory size could never start.
pub(crate) fn initial_bytes(module: &wasmtime::Module) -> u64 {
    let needs = module.resources_required();
    let memory = needs.max_initial_memory_size.unwrap_or(0).saturating_mul(WASM_PAGE_BYTES);
    let tables = needs.max_initial_table_size.unwrap_or(0).saturating_mul(TABLE_ELEMENT_BYTES as u64);
    let (memories, tables_count) = (u64::from(needs.num_memories), u64::from(needs.num_tables));
    memory.saturating_mul(memories).saturating_add(tables.saturating_mul(tables_count))
}

/// Raised (as a trap) when the guest asks for more memory than its function's
/// memory size.
#[derive(Debug)]
pub(crate) struct OutOfMemory {
    pub(crate) limit_bytes: usize,
}

impl std::fmt::Display for OutOfMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "memory limit of {} bytes exceeded", self.limit_bytes)
    }
}

impl std::error::Error for OutOfMemory {}

/// Caps linear memory + tables at the function's memory size and records the
/// peak. Going over the cap stops the guest at once, as Lambda does, instead
/// of letting `memory.grow` return -1 into code that rarely checks it.
#[derive(Debug)]
pub(crate) struct MemoryLimit {
    limit_bytes: usize,
    memory_bytes: usize,
    table_bytes: usize,
    peak_memory_bytes: usize,
    exceeded: bool,
}

impl MemoryLimit {
    pub(crate) fn new(limit_bytes: usize) -> Self {
        Self { limit_bytes, memory_bytes: 0, table_bytes: 0, peak_memory_bytes: 0, exceeded: false }
    }

    /// Largest linear memory the guest had.
    pub(crate) fn peak_memory_bytes(&self) -> usize {
        self.peak_memory_bytes
    }

    /// Whether the guest was stopped for asking too much.
    pub(crate) fn exceeded(&self) -> bool {
        self.exceeded
    }

    fn admit(&mut self, memory_bytes: usize, table_bytes: usize) -> wasmtime::Result<bool> {
        if memory_bytes.saturating_add(table_bytes) > self.limit_bytes {
            self.exceeded = true;
            return Err(wasmtime::Error::new(OutOfMemory { limit_bytes: self.limit_bytes }));
        }
        self.memory_bytes = memory_bytes;
        self.table_bytes = table_bytes;
        self.peak_memory_bytes = self.peak_memory_bytes.max(memory_bytes);
        Ok(true)
    }
}

impl ResourceLimiter for MemoryLimit {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        if maximum.is_some_and(|max| desired > max) {
            // The module's own declared maximum: plain wasm semantics (-1).
            return Ok(false);
        }
        let others = self.memory_bytes.saturating_sub(current);
        self.admit(others.saturating_add(desired), self.table_bytes)
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        if maximum.is_some_and(|max| desired > max) {
            return Ok(false);
        }
        let others = self.table_bytes.saturating_sub(current * TABLE_ELEMENT_BYTES);
        let tables = others.saturating_add(desired.saturating_mul(TABLE_ELEMENT_BYTES));
        self.admit(self.memory_bytes, tables)
    }

    fn instances(&self) -> usize {
        1
    }

    fn memories(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        // Modules built with reference types may declare several tables.
        8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_within_the_limit_records_the_peak() {
        let mut limit = MemoryLimit::new(1 << 20);
        assert!(limit.memory_growing(0, 65536, None).unwrap());
        assert!(limit.memory_growing(65536, 131072, None).unwrap());
        assert_eq!(limit.peak_memory_bytes(), 131072);
        assert!(!limit.exceeded());
    }

    #[test]
    fn growth_past_the_limit_is_an_error_and_remembered() {
        let mut limit = MemoryLimit::new(1 << 20);
        let err = limit.memory_growing(0, 2 << 20, None).unwrap_err();
        assert!(err.is::<OutOfMemory>());
        assert!(limit.exceeded());
    }

    #[test]
    fn the_modules_own_maximum_is_a_plain_failure() {
        let mut limit = MemoryLimit::new(1 << 30);
        assert!(!limit.memory_growing(65536, 131072, Some(65536)).unwrap());
        assert!(!limit.exceeded());
    }
}
