//! Access tokens (HS256 JWT, algorithm pinned, all registered claims
//! required) and opaque refresh tokens (random, stored only as SHA-256).
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::AuthConfig;
use crate::error::{AppError, AppResult};

/// Claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    /// Not valid before; honoured.
    pub nbf: i64,
    pub jti: String,
    /// The session (login) the token belongs to, checked on every request.
    pub sid: String,
}

/// What a valid access token says: who, which token, which session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verified {
    pub user_id: Uuid,
    /// The token id (`jti`), for audit events.
    pub token_id: String,
    /// The session id (`sid`).
    pub session_id: Uuid,
}

/// Signs and checks tokens.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    /// Access token lifetime in seconds.
    pub access_ttl: i64,
    /// Refresh token lifetime in seconds.
    pub refresh_ttl: i64,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(..)")
    }
}

impl TokenKeys {
    /// Builds keys from validated settings.
    pub fn new(config: &AuthConfig) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["iss", "aud", "exp", "nbf", "iat", "sub", "jti"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        Self {
            encoding: EncodingKey::from_secret(config.jwt_secret.as_bytes()),
            decoding: DecodingKey::from_secret(config.jwt_secret.as_bytes()),
            validation,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            access_ttl: config.access_token_ttl_secs,
            refresh_ttl: config.refresh_token_ttl_secs,
        }
    }

    /// Issues an access token for `user_id` in `session`; returns it and its id.
    pub fn issue(&self, user_id: Uuid, session: Uuid) -> AppResult<(String, String)> {
        let now = chrono::Utc::now().timestamp();
        let jti = Uuid::new_v4().to_string();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id.to_string(),
            exp: now + self.access_ttl,
            iat: now,
            nbf: now,
            jti: jti.clone(),
            sid: session.to_string(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(AppError::internal)?;
        Ok((token, jti))
    }

    /// Validates an access token; any defect is `UNAUTHENTICATED`. Whether
    /// its session is still live is checked against the database when the
    /// caller is loaded (`Principal::load`).
    pub fn verify(&self, token: &str) -> AppResult<Verified> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| AppError::Unauthenticated)?;
        if data.claims.iat > chrono::Utc::now().timestamp() + 60 {
            return Err(AppError::Unauthenticated);
        }
        let user_id = Uuid::parse_str(&data.claims.sub).map_err(|_| AppError::Unauthenticated)?;
        let session_id =
            Uuid::parse_str(&data.claims.sid).map_err(|_| AppError::Unauthenticated)?;
        Ok(Verified {
            user_id,
            token_id: data.claims.jti,
            session_id,
        })
    }
}

/// A new opaque refresh token.
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a refresh token.
pub fn refresh_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `name` has the form of a username (3-64 characters of a-z, 0-9,
/// '.', '_', '-'). A login name of any other form cannot belong to a user.
pub fn is_username(name: &str) -> bool {
    (3..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}
