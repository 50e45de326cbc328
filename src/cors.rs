//! Cross-origin resource sharing: which browser origins may call the API.
//!
//! Front ends run on their own origin; a browser lets their pages read
//! Hearth's answers only when Hearth names that origin. The allow-list is
//! exact (scheme, host and port, as the browser sends `Origin`): no
//! patterns, since a pattern that matches an attacker's domain hands them a
//! logged-in user's data. Hearth authenticates by bearer token, so no
//! credentials mode unless asked for.
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::ServerConfig;

/// Whether `origin` is a serialized origin: `http` or `https`, a host, an
/// optional port, and nothing else (no path, no trailing slash, no user).
fn is_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false;
    };
    !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        && origin == origin.to_ascii_lowercase()
}

/// Refuses allow-lists a browser would never match, `*` in production, and
/// `*` with credentials (which browsers refuse anyway).
pub fn validate(server: &ServerConfig, production: bool) -> anyhow::Result<()> {
    let any = server.cors_origins.iter().any(|o| o == "*");
    if any && production {
        anyhow::bail!(
            "HEARTH_SERVER__CORS_ORIGINS: \"*\" is refused in production; list the front ends' origins"
        );
    }
    if any && server.cors_allow_credentials {
        anyhow::bail!("HEARTH_SERVER__CORS_ORIGINS: \"*\" cannot be combined with credentials");
    }
    if let Some(bad) = server
        .cors_origins
        .iter()
        .find(|o| *o != "*" && !is_origin(o))
    {
        anyhow::bail!(
            "HEARTH_SERVER__CORS_ORIGINS holds {bad:?}: an origin is scheme://host[:port] in lower case, \
             without a path or trailing slash (as a browser sends it in Origin)"
        );
    }
    Ok(())
}

/// The CORS layer for the configured allow-list (`validate` has passed).
/// With an empty list it adds nothing: every cross-origin read is refused
/// by the browser, and a preflight gets no `Access-Control-Allow-Origin`.
pub fn layer(server: &ServerConfig) -> CorsLayer {
    let origin = if server.cors_origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            server
                .cors_origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o).ok()),
        )
    };
    CorsLayer::new()
        .allow_origin(origin)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("x-request-id"),
        ])
        // A front end may read the id to quote it to support, and when to
        // try again after a refusal.
        .expose_headers([HeaderName::from_static("x-request-id"), header::RETRY_AFTER])
        .allow_credentials(server.cors_allow_credentials)
        .max_age(Duration::from_secs(server.cors_max_age_secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(origins: &[&str], credentials: bool) -> ServerConfig {
        let mut s = crate::config::Config::development()
            .map(|c| c.server)
            .unwrap_or_else(|e| panic!("{e}"));
        s.cors_origins = origins.iter().map(|o| (*o).to_owned()).collect();
        s.cors_allow_credentials = credentials;
        s
    }

    #[test]
    fn origins_are_exact_and_star_is_for_development_only() {
        assert!(
            validate(
                &server(&["https://app.example.se", "http://127.0.0.1:5173"], false),
                true
            )
            .is_ok()
        );
        assert!(validate(&server(&["*"], false), false).is_ok());
        assert!(validate(&server(&["*"], false), true).is_err());
        assert!(validate(&server(&["*"], true), false).is_err());
        for bad in [
            "https://app.example.se/",
            "app.example.se",
            "https://App.example.se",
            "https://a.se/x",
            "https://u@a.se",
            "ftp://a.se",
            "https://",
        ] {
            assert!(validate(&server(&[bad], false), false).is_err(), "{bad}");
        }
    }
}
