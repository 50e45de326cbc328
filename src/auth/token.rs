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
    pub jti: String,
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
        validation.set_required_spec_claims(&["iss", "aud", "exp", "iat", "sub", "jti"]);
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

    /// Issues an access token for `user_id`; returns it and its id.
    pub fn issue(&self, user_id: Uuid) -> AppResult<(String, String)> {
        let now = chrono::Utc::now().timestamp();
        let jti = Uuid::new_v4().to_string();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id.to_string(),
            exp: now + self.access_ttl,
            iat: now,
            jti: jti.clone(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(AppError::internal)?;
        Ok((token, jti))
    }

    /// Validates an access token; any defect is `UNAUTHENTICATED`.
    pub fn verify(&self, token: &str) -> AppResult<(Uuid, String)> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| AppError::Unauthenticated)?;
        if data.claims.iat > chrono::Utc::now().timestamp() + 60 {
            return Err(AppError::Unauthenticated);
        }
        let user = Uuid::parse_str(&data.claims.sub).map_err(|_| AppError::Unauthenticated)?;
        Ok((user, data.claims.jti))
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
