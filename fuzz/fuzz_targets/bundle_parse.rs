//! `Bundle::parse` on arbitrary bytes: it must return, never panic, and
//! never allocate past the limits however the zip lies about itself.
//!
//! Run with `cargo +nightly fuzz run bundle_parse` from `fuzz/`. Small
//! limits keep each run fast and make the limit paths reachable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nimbus_sandbox::bundle::DEFAULT_HANDLER;
use nimbus_sandbox::{Bundle, BundleLimits};

fuzz_target!(|zip: &[u8]| {
    let limits = BundleLimits {
        max_zip_bytes: 1 << 20,
        max_unzipped_bytes: 4 << 20,
        max_entries: 64,
        ..BundleLimits::default()
    };
    if let Ok(bundle) = Bundle::parse(zip, DEFAULT_HANDLER, &limits) {
        // What parse promises about an accepted bundle.
        assert!(bundle.unzipped_size() <= limits.max_unzipped_bytes);
        assert!(bundle.files().iter().any(|file| file.path == bundle.handler()));
        assert!(bundle.files().iter().all(|file| !file.path.split('/').any(|part| part == ".." || part.is_empty())));
    }
});
