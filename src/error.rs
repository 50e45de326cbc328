//! The one error type of Hearth. Each variant maps to an `extensions.code`
//! of api.md. What the client sees (`user_message`) is kept apart from what
//! is logged: `Internal` carries detail for the log and shows the client
//! only the request id.
use async_graphql::ErrorExtensions;

/// Every failure a request can meet.
// Deliberately not `Display`: async-graphql converts any `Display` type into
// an error without extensions, which would silently drop the code. Without
// `Display`, `?` in a resolver goes through the `From` below.
#[derive(Debug, Clone)]
pub enum AppError {
    /// No valid access token, or wrong credentials.
    Unauthenticated,
    /// The caller may not read or do this.
    Forbidden,
    /// No such record, or one outside the caller's scope (indistinguishable).
    NotFound,
    /// Invalid input; `field` names the input field.
    BadInput { field: String, message: String },
    /// The change conflicts with existing data.
    Conflict(String),
    /// Too many requests or attempts; the client may retry after
    /// `retry_after_secs` (the `Retry-After` header and `extensions.retryAfter`).
    TooManyRequests { retry_after_secs: u64 },
    /// The account is locked after repeated failed logins.
    AccountLocked,
    /// The request exceeds a limit (`crate::limits`); the message names the
    /// limit, the value found and the maximum.
    QueryTooComplex(String),
    /// Anything else; the detail is logged, never shown.
    Internal(String),
}

/// Result alias used across Hearth.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// Builds a `BAD_USER_INPUT` error for `field`.
    pub fn bad_input(field: &str, message: impl Into<String>) -> Self {
        Self::BadInput {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// Wraps an internal failure. The detail goes to the log only.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Self::Internal(detail.to_string())
    }

    /// The `extensions.code` value of api.md.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::BadInput { .. } => "BAD_USER_INPUT",
            Self::Conflict(_) => "CONFLICT",
            Self::TooManyRequests { .. } => "TOO_MANY_REQUESTS",
            Self::AccountLocked => "ACCOUNT_LOCKED",
            Self::QueryTooComplex(_) => "QUERY_TOO_COMPLEX",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// The sentence a front end can show to a person.
    pub fn user_message(&self) -> String {
        match self {
            Self::Unauthenticated => "Authentication required: log in again.".into(),
            Self::Forbidden => "You are not allowed to see or do this.".into(),
            Self::NotFound => "No such record.".into(),
            Self::BadInput { message, .. } => message.clone(),
            Self::Conflict(message) => message.clone(),
            Self::TooManyRequests { .. } => "Too many requests; try again later.".into(),
            Self::AccountLocked => "The account is locked; try again later.".into(),
            Self::QueryTooComplex(message) => message.clone(),
            Self::Internal(_) => {
                "An internal error occurred. Quote the request id to support.".into()
            }
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        crate::db::classify(err)
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(e) => e.into(),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        if let Self::Internal(detail) = self {
            // Details can hold SQL and values; they are logged with the
            // request id (the span carries it) and never sent to the client.
            tracing::error!(error = %detail, "internal error");
        }
        async_graphql::Error::new(self.user_message()).extend_with(|_, e| {
            e.set("code", self.code());
            if let Self::BadInput { field, .. } = self {
                e.set("field", field.as_str());
            }
            if let Self::TooManyRequests { retry_after_secs } = self {
                e.set("retryAfter", *retry_after_secs);
            }
        })
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        err.extend()
    }
}
