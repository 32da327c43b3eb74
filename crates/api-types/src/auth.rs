//! Accounts and sessions.

use crate::Role;
use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};

/// A user as every endpoint shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Numeric id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// E-mail address, if known.
    pub email: Option<String>,
    /// The role.
    pub role: Role,
    /// Dispatch area code (dispatchers).
    pub dispatch_area: Option<String>,
    /// Deactivated users cannot sign in.
    pub is_active: bool,
    /// TOTP is enabled.
    pub two_factor_enabled: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last successful sign-in.
    pub last_login_at: Option<DateTime<Utc>>,
}

/// `POST /auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"username": "admin", "password": "correct horse battery"})))]
pub struct LoginRequest {
    /// Login name (case-insensitive).
    pub username: String,
    /// Password.
    pub password: String,
    /// 6-digit TOTP code or a recovery code.
    #[serde(default)]
    pub totp_code: Option<String>,
}

/// A new access token and refresh token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Opaque, single-use refresh token.
    pub refresh_token: String,
    /// When the session ends for good (absolute limit); clients warn before it.
    pub session_expires_at: DateTime<Utc>,
    /// The signed-in user.
    pub user: User,
}

/// `POST /auth/refresh`; the token may come from the cookie instead.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// `POST /auth/password`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    /// The current password.
    pub current_password: String,
    /// At least 10 characters, not the username, not a common password.
    pub new_password: String,
}

/// `POST /auth/2fa/setup`: a new secret to enter in an authenticator app.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpSetup {
    /// RFC 4648 base32, no padding.
    pub secret: String,
    /// `otpauth://totp/...` for a QR code.
    pub otpauth_url: String,
}

/// `POST /auth/2fa/enable`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpCodeRequest {
    /// The current 6-digit code.
    pub code: String,
}

/// The one-time recovery codes, shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryCodes {
    /// Ten codes; each signs in once instead of a TOTP code.
    pub recovery_codes: Vec<String>,
}

/// `POST /auth/2fa/disable`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordConfirmRequest {
    /// The account's password.
    pub password: String,
}

/// `POST /auth/password/forgot`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForgotPasswordRequest {
    /// The account's e-mail address.
    pub email: String,
}

/// `POST /auth/password/reset`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetPasswordRequest {
    /// The token from the e-mail (valid one hour, once).
    pub token: String,
    /// The new password.
    pub new_password: String,
}

/// `POST /auth/register` (only with `ALLOW_REGISTRATION=true`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterRequest {
    /// Login name: 3–50 of `a-z 0-9 . _ -`.
    pub username: String,
    /// E-mail address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// A mail kept in the outbox (no SMTP relay configured).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxMail {
    /// Row id.
    pub id: i64,
    /// Recipient.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When the SMTP relay accepted it; `null` while unsent or without SMTP.
    pub sent_at: Option<DateTime<Utc>>,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// The relay's last refusal, if any.
    pub last_error: Option<String>,
}
