//! Mail delivery. Every mail is first written to the outbox in the transaction
//! that causes it (so the answer to "forgot password" takes the same time whether
//! or not the address exists, and no mail is lost when the relay is down). With
//! an SMTP relay configured, [`deliver`] sends what is due — right after the
//! commit and again from the upkeep job: it claims a batch in one short statement
//! (instances skip each other's claims), talks to the relay on a blocking thread
//! with no database connection held, and records each result. A refused mail is
//! tried again after 30 s, doubling up to an hour, 10 attempts in all; one the relay
//! refuses for good (5xx, a bad address) is given up at once. Delivery is
//! at-least-once: a mail whose sending succeeded but whose record then failed is
//! sent again after its lease. Without a relay the outbox is what admins read.

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
pub const MAX_ATTEMPTS: i32 = 10;
/// Mails claimed per round.
const BATCH: i64 = 10;
/// Longest wait for the relay per command.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a round's claim keeps other rounds off its mails: the whole batch at the
/// relay's worst pace. A round that dies leaves them to the next after this.
const LEASE: Duration = Duration::from_secs(600);

/// The wait before the next attempt after `attempts` refused ones: 30 s, doubling,
/// at most an hour (about 3.5 hours from the first attempt to the last).
pub fn backoff(attempts: i32) -> Duration {
    let doublings = attempts.clamp(0, 7) as u32;
    Duration::from_secs((30u64 << doublings).min(3600))
}

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

    fn send(&self, row: &MailRow) -> Result<(), Refusal> {
        let permanent = |message: String| Refusal {
            message,
            permanent: true,
        };
        let to: Mailbox = row
            .to_address
            .parse()
            .map_err(|e| permanent(format!("bad recipient: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(row.subject.clone())
            .body(row.body.clone())
            .map_err(|e| permanent(format!("cannot build the message: {e}")))?;
        self.transport.send(&message).map(|_| ()).map_err(|e| Refusal {
            // 5xx from the relay (unknown mailbox, policy): asking again changes nothing.
            permanent: e.is_permanent(),
            message: e.to_string(),
        })
    }
}

/// Why a mail was not sent.
#[derive(Debug)]
struct Refusal {
    message: String,
    /// The relay refused it for good (or it cannot be built): no more attempts.
    permanent: bool,
}

/// Sends the due mail (one batch); returns how many went out and how many failed.
/// After a refusal the round stops and gives the rest back unattempted: a relay that
/// is down is asked once per round, not once per mail.
pub async fn deliver(state: &AppState) -> ApiResult<(usize, usize)> {
    let Some(mailer) = state.mailer.clone() else {
        return Ok((0, 0));
    };
    let claimed = state
        .db(|c| Ok(mail::claim_due(c, MAX_ATTEMPTS, BATCH, LEASE)?))
        .await?;
    let (mut sent, mut failed) = (0, 0);
    let mut rows = claimed.into_iter();
    while let Some(row) = rows.next() {
        let (id, attempts) = (row.id, row.attempts);
        // The claim is renewed mail by mail: a round that ran past its lease finds the
        // mail taken by another round, and leaves it (never sent twice).
        let Some(claim) = row.claimed_until else { continue };
        if state
            .db(move |c| Ok(mail::renew_claim(c, id, claim, LEASE)?))
            .await?
            .is_none()
        {
            continue;
        }
        let relay = mailer.clone();
        // No connection is held while the relay is asked.
        let result = tokio::task::spawn_blocking(move || relay.send(&row))
            .await
            .unwrap_or_else(|e| {
                Err(Refusal {
                    message: format!("the sending thread failed: {e}"),
                    permanent: false,
                })
            });
        let refusal = result.err();
        let (error, retry_in) = match &refusal {
            Some(r) => {
                tracing::warn!(mail = id, error = %r.message, permanent = r.permanent, "the SMTP relay refused a mail");
                failed += 1;
                (Some(r.message.clone()), (!r.permanent).then(|| backoff(attempts)))
            }
            None => {
                sent += 1;
                (None, None)
            }
        };
        state
            .db(move |c| Ok(mail::record_attempt(c, id, error.as_deref(), retry_in, MAX_ATTEMPTS)?))
            .await?;
        // A relay that is down is asked once per round; one recipient refused for good
        // does not stop the others.
        if refusal.is_some_and(|r| !r.permanent) {
            let rest: Vec<i64> = rows.map(|r| r.id).collect();
            if !rest.is_empty() {
                state.db(move |c| Ok(mail::release(c, &rest)?)).await?;
            }
            break;
        }
    }
    Ok((sent, failed))
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
