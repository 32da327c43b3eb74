//! Audit rows, written in the transaction of the change (docs/domain.md §7).

use serde_json::Value;
use tracetrack_db::diesel::PgConnection;
use tracetrack_db::models::NewAudit;

use crate::auth::Ctx;
use crate::config::Config;
use crate::error::ApiResult;
use crate::webhooks::outbox::Outbox;

/// Who, from where, for the audit rows of one request.
#[derive(Debug, Clone)]
pub struct Auditor {
    actor_id: Option<i64>,
    api_key_id: Option<i64>,
    outbox: Outbox,
    ip: Option<String>,
    request_id: String,
    anonymize: bool,
}

impl Auditor {
    /// Who acts (`None`: nobody signed in, e.g. the end-of-day cron).
    pub fn actor_id(&self) -> Option<i64> {
        self.actor_id
    }

    /// For a signed-in caller.
    pub fn new(ctx: &Ctx, config: &Config) -> Auditor {
        let mut auditor = Auditor::anonymous(ctx.ip.clone(), ctx.request_id.clone(), config).actor(Some(ctx.user.id));
        auditor.api_key_id = ctx.user.api_key.as_ref().map(|k| k.id);
        auditor
    }

    /// For a caller not signed in (login attempts).
    pub fn anonymous(ip: Option<String>, request_id: String, config: &Config) -> Auditor {
        let anonymize = config.anonymize_audit_logs;
        let ip = ip.map(|ip| if anonymize { anonymize_ip(&ip) } else { ip });
        Auditor {
            actor_id: None,
            api_key_id: None,
            outbox: Outbox::new(config),
            ip,
            request_id,
            anonymize,
        }
    }

    /// Names the actor.
    pub fn actor(mut self, actor_id: Option<i64>) -> Auditor {
        self.actor_id = actor_id;
        self
    }

    /// Where this request's changes are announced.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Writes one row.
    pub fn record(
        &self,
        conn: &mut PgConnection,
        action: &str,
        entity_type: &str,
        entity_id: Option<String>,
        before: Option<Value>,
        after: Option<Value>,
    ) -> ApiResult<()> {
        let clean = |v: Option<Value>| v.map(|v| if self.anonymize { mask_emails(v) } else { v });
        let announced = Outbox::announces(action).then(|| (entity_id.clone(), after.clone()));
        let at = tracetrack_db::audit::record(
            conn,
            &NewAudit {
                actor_id: self.actor_id,
                action: action.to_string(),
                entity_type: entity_type.to_string(),
                entity_id,
                before: clean(before),
                after: clean(after),
                ip: self.ip.clone(),
                request_id: Some(self.request_id.clone()),
                api_key_id: self.api_key_id,
            },
        )?;
        // Integrators hear of some changes: in this same transaction.
        if let Some((entity, after)) = announced {
            let (actor, after) = (self.actor_id, after.as_ref());
            self.outbox.audited(conn, action, entity.as_deref(), after, actor, at)?;
        }
        Ok(())
    }
}

/// IPv4: last octet to 0; IPv6: keep the first 48 bits.
pub fn anonymize_ip(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0")
        }
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            std::net::Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0).to_string()
        }
        Err(_) => "unknown".to_string(),
    }
}

/// `jane@example.com` → `j***@example.com`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_string(),
    }
}

fn mask_emails(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| match (k.as_str(), &v) {
                    ("email", Value::String(s)) => {
                        let masked = mask_email(s);
                        (k, Value::String(masked))
                    }
                    _ => (k, mask_emails(v)),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(mask_emails).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymises_ips_and_emails() {
        assert_eq!(anonymize_ip("203.0.113.77"), "203.0.113.0");
        assert_eq!(anonymize_ip("2001:db8:abcd:12::1"), "2001:db8:abcd::");
        assert_eq!(mask_email("jane@example.com"), "j***@example.com");
        let v = mask_emails(serde_json::json!({"user": {"email": "bob@x.org", "name": "bob"}}));
        assert_eq!(v["user"]["email"], "b***@x.org");
        assert_eq!(v["user"]["name"], "bob");
    }
}
