//! Mail delivery. Every mail is first written to the outbox in the transaction
//! that causes it (so the answer to "forgot password" takes the same time whether
//! or not the address exists, and no mail is lost when the relay is down). With
//! an SMTP relay configured, [`deliver`] sends what is unsent — right after the
//! commit and again from the upkeep job — and records each attempt; instances
//! share the work through `FOR UPDATE SKIP LOCKED`. Without a relay the outbox
//! is what admins read.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use lettre::message::Mailbox;
use lettre::{Message, SmtpTransport, Transport};
use tracetrack_db::mail::{self, MailRow};

use crate::config::Config;
use crate::error::ApiResult;
use crate::state::AppState;

/// A mail is given up after this many refused attempts (it stays listed with its error).
const MAX_ATTEMPTS: i32 = 10;
/// Mails sent per round.
const BATCH: i64 = 20;
/// Longest wait for the relay per command.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// The configured relay.
pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
}

impl Mailer {
    /// The relay of `SMTP_URL`, or `None` when mail stays in the outbox.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Arc<Mailer>>> {
        let Some(url) = &config.smtp_url else {
            return Ok(None);
        };
        let transport = SmtpTransport::from_url(url)
            .context("SMTP_URL is not a valid smtp:// or smtps:// URL")?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = config.mail_from.parse().context("MAIL_FROM is not a valid address")?;
        Ok(Some(Arc::new(Mailer { transport, from })))
    }

    fn send(&self, row: &MailRow) -> Result<(), String> {
        let to: Mailbox = row.to_address.parse().map_err(|e| format!("bad recipient: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(row.subject.clone())
            .body(row.body.clone())
            .map_err(|e| format!("cannot build the message: {e}"))?;
        self.transport.send(&message).map(|_| ()).map_err(|e| e.to_string())
    }
}

/// Sends the unsent mail (one batch); returns how many went out and how many failed.
pub async fn deliver(state: &AppState) -> ApiResult<(usize, usize)> {
    let Some(mailer) = state.mailer.clone() else {
        return Ok((0, 0));
    };
    state
        .tx(move |c| {
            let (mut sent, mut failed) = (0, 0);
            for row in mail::claim_unsent(c, MAX_ATTEMPTS, BATCH)? {
                let result = mailer.send(&row);
                if let Err(e) = &result {
                    tracing::warn!(mail = row.id, error = %e, "the SMTP relay refused a mail");
                    failed += 1;
                } else {
                    sent += 1;
                }
                mail::record_attempt(c, row.id, result.err().as_deref())?;
            }
            Ok((sent, failed))
        })
        .await
}

/// Starts a delivery round in the background (after a commit that queued mail).
pub fn deliver_soon(state: &AppState) {
    if state.mailer.is_none() {
        return;
    }
    let state = state.clone();
    actix_web::rt::spawn(async move {
        if let Err(e) = deliver(&state).await {
            tracing::warn!(error = %e, "mail delivery failed");
        }
    });
}
