//! Logging. Log lines carry ids only: the request span holds method, path
//! and request id, and no code logs names, personal identity numbers,
//! addresses, passwords or tokens.
use tracing_subscriber::EnvFilter;

use crate::config::LogConfig;

/// Installs the global subscriber (once; later calls are ignored).
pub fn init(config: &LogConfig) {
    let filter = EnvFilter::try_new(&config.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if config.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
