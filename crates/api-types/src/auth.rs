//! Accounts and sessions.

use crate::Role;
use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};

/// A user as every endpoint shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 7, "username": "ravi.k", "email": "ravi.k@example.com", "role": "dispatcher", "dispatch_area": "akola",
    "is_active": true, "two_factor_enabled": false, "created_at": "2026-11-24T06:30:00Z",
    "last_login_at": "2026-12-03T08:31:05Z"})))]
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
#[cfg_attr(feature = "openapi", schema(example = json!({
    "access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.\
        eyJzdWIiOiI3Iiwic2lkIjoiYjhlNGYxYzItNWQzYS00ZTZmLTlhMWItN2MyZDNlNGY1YTZiIiwiaWF0IjoxNzk2Mjg2NjY1LCJleHAiOjE3\
        OTYyODc1NjV9.4AAeiI9622tLX5dnVitQsQZBeu65abhePQX_4naYvYU",
    "token_type": "Bearer", "expires_in": 900, "refresh_token": "EwVbyiE17XJ-MD8GenowJpTvAvsgO325RfCF85bsVOM",
    "session_expires_at": "2026-12-03T09:31:05Z",
    "user": {"id": 7, "username": "ravi.k", "email": "ravi.k@example.com", "role": "dispatcher",
        "dispatch_area": "akola", "is_active": true, "two_factor_enabled": false, "created_at": "2026-11-24T06:30:00Z",
        "last_login_at": "2026-12-03T08:31:05Z"}})))]
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
#[cfg_attr(feature = "openapi", schema(example = json!({
    "refresh_token": "EwVbyiE17XJ-MD8GenowJpTvAvsgO325RfCF85bsVOM"})))]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// `POST /auth/password`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "current_password": "Akola-dock-3-2026", "new_password": "mustard-monsoon-4417"})))]
pub struct ChangePasswordRequest {
    /// The current password.
    pub current_password: String,
    /// At least 10 characters, not the username, not a common password.
    pub new_password: String,
}

/// `POST /auth/2fa/setup`: a new secret to enter in an authenticator app.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "secret": "LKLIYAXDVNSXFOMZXU6KNMSJP4J5SE5P",
    "otpauth_url": "otpauth://totp/TraceTrack:ravi.k?secret=LKLIYAXDVNSXFOMZXU6KNMSJP4J5SE5P&issuer=TraceTrack&\
        algorithm=SHA1&digits=6&period=30"})))]
pub struct TotpSetup {
    /// RFC 4648 base32, no padding.
    pub secret: String,
    /// `otpauth://totp/...` for a QR code.
    pub otpauth_url: String,
}

/// `POST /auth/2fa/enable`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"code": "492039"})))]
pub struct TotpCodeRequest {
    /// The current 6-digit code.
    pub code: String,
}

/// The one-time recovery codes, shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "recovery_codes": ["CBRP89DVAQ", "GREFP8HYGJ", "92ZJYO9HG6", "BUG6J79BI5", "SZD64JFJK8", "I9SH8YUQ06", "L4JHZQSLTU",
        "3EWDQM1X3P", "MCNY9QS0V4", "WB1B9N2F35"]})))]
pub struct RecoveryCodes {
    /// Ten codes; each signs in once instead of a TOTP code.
    pub recovery_codes: Vec<String>,
}

/// `POST /auth/2fa/disable`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"password": "mustard-monsoon-4417"})))]
pub struct PasswordConfirmRequest {
    /// The account's password.
    pub password: String,
}

/// `POST /auth/password/forgot`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"email": "ravi.k@example.com"})))]
pub struct ForgotPasswordRequest {
    /// The account's e-mail address.
    pub email: String,
}

/// `POST /auth/password/reset`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "token": "0HLMq8bmFwv0pZj2Zzr7VSFf3eysFwQyoVumDQYYHTI", "new_password": "winter-lot-8821-akola"})))]
pub struct ResetPasswordRequest {
    /// The token from the e-mail (valid one hour, once).
    pub token: String,
    /// The new password.
    pub new_password: String,
}

/// `POST /auth/register` (only with `ALLOW_REGISTRATION=true`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "username": "sunita.p", "email": "sunita.p@example.com", "password": "sangaria-gate-2-7731"})))]
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
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 318, "to": "ravi.k@example.com", "subject": "TraceTrack password reset",
    "body": "Hello ravi.k,\n\nsomeone asked to reset your TraceTrack password. Use this code within one hour:\n\n\
        0HLMq8bmFwv0pZj2Zzr7VSFf3eysFwQyoVumDQYYHTI\n\nIf it was not you, ignore this mail.",
    "created_at": "2026-12-03T10:05:12Z", "sent_at": null, "attempts": 2,
    "last_error": "Connection refused (os error 111)", "next_attempt_at": "2026-12-03T10:07:42Z"})))]
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
    /// When the next delivery attempt is due (30 s after the first refusal, doubling
    /// to an hour); `null` when sent, given up after 10 attempts, or without a relay.
    #[serde(default)]
    pub next_attempt_at: Option<DateTime<Utc>>,
}
