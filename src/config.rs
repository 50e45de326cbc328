//! Layered settings: `config/default.toml`, then `config/production.toml`
//! when the profile is production, then `HEARTH_*` environment variables
//! (`HEARTH_SECTION__KEY`). Both files are compiled in, so the binary runs
//! from any directory. Unknown keys are rejected with their name.
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;

const DEFAULT_TOML: &str = include_str!("../config/default.toml");
const PRODUCTION_TOML: &str = include_str!("../config/production.toml");
/// The development JWT secret; production refuses it.
pub const DEV_JWT_SECRET: &str = "development-secret-change-me-0123456789abcdef";
/// The development cell-key secret of the statistics; production refuses it.
pub const DEV_CELL_KEY_SECRET: &str = "development-cell-key-secret-0123456789abcdef";
/// `HEARTH_*` variables that are not settings (they belong to the command
/// line tools and the tests), so they are not treated as unknown keys.
const NOT_SETTINGS: &[&str] = &[
    "TEST_DATABASE_URL",
    "DEMO_PASSWORD",
    "ADMIN_PASSWORD",
    "LOG_CAPTURE",
];

/// All settings of Hearth.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `development` or `production`.
    pub profile: String,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub auth: AuthConfig,
    pub access: AccessConfig,
    pub audit: AuditConfig,
    pub log: LogConfig,
    pub limits: LimitsConfig,
    pub statistics: StatisticsConfig,
    /// Intervals of the follow-up deadlines (`crate::domain::deadlines`).
    pub deadlines: crate::domain::deadlines::DeadlineConfig,
}

/// Disclosure control of statistics (`crate::domain::statistics`, README
/// "Statistics and disclosure control"). Secret in production: whoever
/// knows the secret can remove the noise.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatisticsConfig {
    /// Key of the cell-key hash, at least 32 bytes.
    pub cell_key_secret: String,
    /// Published placement days are multiples of this.
    pub days_base: i64,
    /// Published costs (SEK) are multiples of this.
    pub cost_base: i64,
}

/// HTTP server and GraphQL limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub bind: String,
    pub graphiql: bool,
    pub introspection: bool,
    pub request_timeout_secs: u64,
    pub body_limit_bytes: usize,
    pub max_depth: usize,
    pub max_complexity: usize,
    /// Bearer token `/metrics` requires. Empty: `/metrics` is open in
    /// development and absent (404) in production, where counters would
    /// tell anyone how the service is used.
    pub metrics_token: String,
    /// Seconds in-flight requests (and their audit writes) get to finish
    /// after SIGTERM or Ctrl-C before the process exits.
    pub shutdown_grace_secs: u64,
    /// Browser origins (`https://app.example.se`) whose pages may call the
    /// API (CORS, `crate::cors`). Empty: none. `*` is refused in production.
    pub cors_origins: Vec<String>,
    /// Seconds a browser may cache a preflight answer.
    pub cors_max_age_secs: u64,
    /// Whether cross-origin requests may carry credentials (cookies, TLS
    /// client certificates). Hearth takes bearer tokens, so off by default.
    pub cors_allow_credentials: bool,
    /// Trusted documents (`crate::trusted`): path of the manifest
    /// (`{"<sha256>": "<document>"}`, as graphql-codegen's client preset
    /// writes it). Set: only registered operations are executed. Empty: any
    /// document within the limits.
    pub trusted_documents: String,
}

/// Bounds on a request, checked on the raw document before it is parsed
/// (`crate::limits`), so that no request can crash, starve or flood Hearth.
/// Every refusal is `QUERY_TOO_COMPLEX` naming the limit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Deepest field nesting, counted through fragment spreads; inline
    /// fragments and introspection (`__schema`, `__type`) do not count.
    pub max_depth: u64,
    /// Deepest nesting of list and object values (arguments, variable
    /// defaults, list types): what overflowed the parser's stack.
    pub max_value_depth: u64,
    /// Most lexical tokens in one document.
    pub max_tokens: u64,
    /// Most aliases in one document.
    pub max_aliases: u64,
    /// Most directives in one document.
    pub max_directives: u64,
    /// Most operations in one batch.
    pub max_batch: u64,
    /// Highest cost of an operation: every field costs 1, and the fields
    /// below a list count once per expected element (`first`, capped at the
    /// largest page, or `list_estimate` for lists without paging).
    pub max_cost: u64,
    /// Expected length of a list without paging (`placements`, `reasons`).
    pub list_estimate: u64,
    /// Largest serialized response; a larger one is replaced by a refusal.
    pub max_response_bytes: usize,
}

/// Database connection.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: String,
    pub max_connections: u32,
}

/// Tokens and login protection.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    pub jwt_secret: String,
    pub issuer: String,
    pub audience: String,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    /// Maximum lifetime of a session (a login), refreshes included.
    pub session_max_secs: i64,
    pub max_failed_logins: i32,
    /// How long a name stays locked; failures older than this are forgotten.
    pub lockout_secs: i64,
    /// Threads that check passwords (argon2id, 19 MiB each); 0: one per core.
    pub hash_threads: usize,
    /// Checks that may wait for a hashing thread; more are refused at once.
    pub hash_queue: usize,
    /// Longest wait for a hashing thread before `TOO_MANY_REQUESTS`.
    pub hash_wait_ms: u64,
    /// Login and refresh attempts one client address may make at once...
    pub login_per_address_burst: u32,
    /// ...and then per minute.
    pub login_per_address_per_minute: u32,
    /// Login (and password change) attempts per username at once...
    pub login_per_username_burst: u32,
    /// ...and then per minute.
    pub login_per_username_per_minute: u32,
    /// Addresses, and usernames, each limiter remembers (oldest forgotten).
    pub rate_limit_entries: usize,
    /// Proxies (IP addresses) whose `X-Forwarded-For` names the client;
    /// empty: the connection's address is the client's.
    pub trusted_proxies: Vec<String>,
}

impl std::fmt::Debug for AuthConfig {
    // The secret must never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// Emergency access.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessConfig {
    pub emergency_access_minutes: i64,
}

/// Audit review settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    pub office_hours_start: u32,
    pub office_hours_end: u32,
    pub timezone: String,
    /// Minutes between the server's full walks of the hash chain (0: none).
    pub full_walk_minutes: u64,
}

/// Logging.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub format: String,
    pub filter: String,
}

impl Config {
    /// Loads the settings for the profile named by `HEARTH_PROFILE`
    /// (default `development`) and validates them.
    pub fn load() -> anyhow::Result<Self> {
        let env = Env::prefixed("HEARTH_").ignore(NOT_SETTINGS).split("__");
        let production = std::env::var("HEARTH_PROFILE").is_ok_and(|p| p == "production");
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if production {
            figment = figment.merge(Toml::string(PRODUCTION_TOML));
        }
        let config: Config = figment
            .merge(env)
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        config.validate()?;
        Ok(config)
    }

    /// The development defaults, for tests and tools.
    pub fn development() -> anyhow::Result<Self> {
        let config: Config = Figment::from(Toml::string(DEFAULT_TOML))
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid built-in configuration: {e}"))?;
        Ok(config)
    }

    /// Whether this is the production profile.
    pub fn is_production(&self) -> bool {
        self.profile == "production"
    }

    /// Checks settings that can be wrong, with a message saying what to change.
    pub fn validate(&self) -> anyhow::Result<()> {
        use anyhow::bail;
        if !matches!(self.profile.as_str(), "development" | "production") {
            bail!(
                "profile must be development or production, not {:?}",
                self.profile
            );
        }
        crate::cors::validate(&self.server, self.is_production())?;
        self.deadlines.validate()?;
        if self.auth.jwt_secret.len() < 32 {
            bail!(
                "the JWT secret is missing or shorter than 32 bytes: set HEARTH_AUTH__JWT_SECRET \
                 to a random value of at least 32 bytes (e.g. `openssl rand -hex 32`)"
            );
        }
        if self.is_production() && self.auth.jwt_secret == DEV_JWT_SECRET {
            bail!(
                "the production profile refuses the development JWT secret: set \
                 HEARTH_AUTH__JWT_SECRET to a random value of at least 32 bytes"
            );
        }
        let st = &self.statistics;
        if st.cell_key_secret.len() < 32
            || (self.is_production() && st.cell_key_secret == DEV_CELL_KEY_SECRET)
        {
            bail!(
                "the statistics cell-key secret is missing, shorter than 32 bytes or the development \
                 value: set HEARTH_STATISTICS__CELL_KEY_SECRET to a random value of at least 32 bytes"
            );
        }
        if !(1..=10_000).contains(&st.days_base) || !(1..=100_000_000).contains(&st.cost_base) {
            bail!(
                "HEARTH_STATISTICS__DAYS_BASE must be 1-10000 and HEARTH_STATISTICS__COST_BASE 1-100000000"
            );
        }
        if self.database.url.is_empty() {
            bail!(
                "no database URL: set HEARTH_DATABASE__URL (e.g. postgres://user:pw@host/hearth)"
            );
        }
        if self.auth.access_token_ttl_secs <= 0
            || self.auth.refresh_token_ttl_secs <= 0
            || self.auth.session_max_secs <= 0
        {
            bail!(
                "token and session lifetimes must be positive (HEARTH_AUTH__ACCESS_TOKEN_TTL_SECS, HEARTH_AUTH__REFRESH_TOKEN_TTL_SECS, HEARTH_AUTH__SESSION_MAX_SECS)"
            );
        }
        self.validate_login_limits()?;
        if !(1..=24 * 60).contains(&self.access.emergency_access_minutes) {
            bail!("HEARTH_ACCESS__EMERGENCY_ACCESS_MINUTES must be between 1 and 1440");
        }
        if self.audit.full_walk_minutes > 7 * 24 * 60 {
            anyhow::bail!("audit.full_walk_minutes must be at most 10080 (a week).");
        }
        if self.audit.office_hours_start >= self.audit.office_hours_end
            || self.audit.office_hours_end > 24
        {
            bail!("office hours must satisfy start < end <= 24 (HEARTH_AUDIT__OFFICE_HOURS_*)");
        }
        if self.audit.timezone.parse::<chrono_tz::Tz>().is_err() {
            bail!(
                "HEARTH_AUDIT__TIMEZONE is not a known time zone: {:?}",
                self.audit.timezone
            );
        }
        let l = &self.limits;
        if [
            l.max_depth,
            l.max_value_depth,
            l.max_tokens,
            l.max_batch,
            l.max_cost,
            l.list_estimate,
        ]
        .contains(&0)
            || l.max_response_bytes == 0
        {
            bail!(
                "every HEARTH_LIMITS__* setting except max_aliases and max_directives must be positive"
            );
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            bail!("HEARTH_LOG__FORMAT must be text or json");
        }
        Ok(())
    }
}

impl Config {
    fn validate_login_limits(&self) -> anyhow::Result<()> {
        use anyhow::bail;
        let a = &self.auth;
        if a.hash_wait_ms == 0 || a.hash_threads > 256 {
            bail!(
                "HEARTH_AUTH__HASH_WAIT_MS must be positive and HEARTH_AUTH__HASH_THREADS at most 256"
            );
        }
        if [
            a.login_per_address_burst,
            a.login_per_address_per_minute,
            a.login_per_username_burst,
            a.login_per_username_per_minute,
        ]
        .contains(&0)
            || a.rate_limit_entries == 0
        {
            bail!(
                "login limits (HEARTH_AUTH__LOGIN_PER_*, HEARTH_AUTH__RATE_LIMIT_ENTRIES) must be positive"
            );
        }
        if let Some(bad) = a
            .trusted_proxies
            .iter()
            .find(|p| p.parse::<std::net::IpAddr>().is_err())
        {
            bail!("HEARTH_AUTH__TRUSTED_PROXIES holds {bad:?}, which is not an IP address");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn production() -> Config {
        let mut c = Config::development().expect("defaults");
        c.profile = "production".into();
        c.database.url = "postgres://db/hearth".into();
        c.auth.jwt_secret = "a-real-secret-of-more-than-32-bytes-0000".into();
        c.statistics.cell_key_secret = "another-secret-of-more-than-32-bytes-111".into();
        c
    }

    #[test]
    fn production_refuses_missing_short_or_default_secrets_and_says_how_to_fix() {
        assert!(production().validate().is_ok());
        for secret in ["", "short-secret", DEV_JWT_SECRET] {
            let mut c = production();
            c.auth.jwt_secret = secret.into();
            let err = c.validate().expect_err("refused").to_string();
            assert!(err.contains("HEARTH_AUTH__JWT_SECRET"), "{err}");
        }
        for secret in ["", "short-secret", DEV_CELL_KEY_SECRET] {
            let mut c = production();
            c.statistics.cell_key_secret = secret.into();
            let err = c.validate().expect_err("refused").to_string();
            assert!(err.contains("HEARTH_STATISTICS__CELL_KEY_SECRET"), "{err}");
        }
        let mut c = production();
        c.database.url.clear();
        assert!(
            c.validate()
                .expect_err("refused")
                .to_string()
                .contains("HEARTH_DATABASE__URL")
        );
    }

    #[test]
    fn unknown_keys_are_rejected_by_name() {
        let err = Figment::from(Toml::string(DEFAULT_TOML))
            .merge(Toml::string("[server]\nbnid = \"x\""))
            .extract::<Config>()
            .expect_err("unknown key");
        assert!(err.to_string().contains("bnid"), "{err}");
    }
}
