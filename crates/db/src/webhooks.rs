//! Webhook endpoints, the message outbox and deliveries (docs/integrations.md §2).

use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};

use crate::schema::{webhook_delivery, webhook_endpoint, webhook_message};

/// An endpoint row (its secrets encrypted).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_endpoint)]
pub struct EndpointRow {
    pub id: i64,
    pub url: String,
    pub description: Option<String>,
    pub event_types: Vec<Option<String>>,
    pub dispatch_area: Option<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub failing_since: Option<DateTime<Utc>>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl EndpointRow {
    /// A snapshot for the audit log (no secrets).
    pub fn audit_snapshot(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id, "url": self.url, "description": self.description, "event_types": self.event_types,
            "dispatch_area": self.dispatch_area, "enabled": self.enabled, "disabled_reason": self.disabled_reason,
        })
    }
}

/// A new endpoint.
#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_endpoint)]
pub struct NewEndpoint<'a> {
    pub url: &'a str,
    pub description: Option<&'a str>,
    pub event_types: &'a [Option<String>],
    pub dispatch_area: Option<&'a str>,
    pub secret: &'a str,
    pub created_by: Option<i64>,
}

/// A message, written in the transaction of the change it reports.
#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_message)]
pub struct NewMessage<'a> {
    pub msg_id: &'a str,
    pub event_type: &'a str,
    pub occurred_at: DateTime<Utc>,
    pub data: &'a serde_json::Value,
    pub dispatch_area: Option<&'a str>,
    pub fanned_out: bool,
}

pub fn insert_endpoint(conn: &mut PgConnection, new: &NewEndpoint<'_>) -> QueryResult<EndpointRow> {
    diesel::insert_into(webhook_endpoint::table)
        .values(new)
        .returning(EndpointRow::as_returning())
        .get_result(conn)
}

pub fn list_endpoints(conn: &mut PgConnection) -> QueryResult<Vec<EndpointRow>> {
    webhook_endpoint::table
        .order(webhook_endpoint::id.asc())
        .select(EndpointRow::as_select())
        .load(conn)
}

/// One endpoint, locked for a change when `lock`.
pub fn find_endpoint(conn: &mut PgConnection, id: i64, lock: bool) -> QueryResult<Option<EndpointRow>> {
    let q = webhook_endpoint::table.find(id).select(EndpointRow::as_select());
    if lock {
        q.for_update().first(conn).optional()
    } else {
        q.first(conn).optional()
    }
}

/// Writes every field of an endpoint but its id and creation.
pub fn save_endpoint(conn: &mut PgConnection, e: &EndpointRow) -> QueryResult<EndpointRow> {
    diesel::update(webhook_endpoint::table.find(e.id))
        .set((
            webhook_endpoint::url.eq(&e.url),
            webhook_endpoint::description.eq(&e.description),
            webhook_endpoint::event_types.eq(&e.event_types),
            webhook_endpoint::dispatch_area.eq(&e.dispatch_area),
            webhook_endpoint::enabled.eq(e.enabled),
            webhook_endpoint::disabled_reason.eq(&e.disabled_reason),
            webhook_endpoint::secret.eq(&e.secret),
            webhook_endpoint::previous_secret.eq(&e.previous_secret),
            webhook_endpoint::previous_secret_until.eq(e.previous_secret_until),
            webhook_endpoint::failing_since.eq(e.failing_since),
            webhook_endpoint::updated_at.eq(now),
        ))
        .returning(EndpointRow::as_returning())
        .get_result(conn)
}

/// Deletes an endpoint with its deliveries.
pub fn delete_endpoint(conn: &mut PgConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(webhook_endpoint::table.find(id)).execute(conn)
}

/// Appends a message; its row id.
pub fn insert_message(conn: &mut PgConnection, new: &NewMessage<'_>) -> QueryResult<i64> {
    diesel::insert_into(webhook_message::table)
        .values(new)
        .returning(webhook_message::id)
        .get_result(conn)
}

/// Appends a message when any endpoint exists (enabled or not, so that a replay can
/// catch up a disabled one); nothing is kept for nobody. Its row id, if written.
pub fn announce(conn: &mut PgConnection, new: &NewMessage<'_>) -> QueryResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let row: Option<Id> = diesel::sql_query(
        "INSERT INTO webhook_message (msg_id, event_type, occurred_at, data, dispatch_area)
         SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM webhook_endpoint)
         RETURNING id",
    )
    .bind::<Text, _>(new.msg_id)
    .bind::<Text, _>(new.event_type)
    .bind::<Timestamptz, _>(new.occurred_at)
    .bind::<diesel::sql_types::Jsonb, _>(new.data)
    .bind::<Nullable<Text>, _>(new.dispatch_area)
    .get_result(conn)
    .optional()?;
    Ok(row.map(|r| r.id))
}

/// Queues one delivery of a message to an endpoint.
pub fn insert_delivery(conn: &mut PgConnection, message: i64, endpoint: i64) -> QueryResult<usize> {
    diesel::insert_into(webhook_delivery::table)
        .values((
            webhook_delivery::message_id.eq(message),
            webhook_delivery::endpoint_id.eq(endpoint),
        ))
        .execute(conn)
}

/// An endpoint `e` wants message `m` (types and area).
const WANTS: &str = "(cardinality(e.event_types) = 0 OR m.event_type = ANY (e.event_types)) \
                     AND (e.dispatch_area IS NULL OR e.dispatch_area = m.dispatch_area)";

/// Turns up to `limit` new messages (in id order, skipping rows another instance holds)
/// into deliveries for the enabled endpoints that want them; the messages taken.
pub fn fan_out(conn: &mut PgConnection, limit: i64) -> QueryResult<usize> {
    let sql = format!(
        "WITH picked AS (
             SELECT id FROM webhook_message WHERE NOT fanned_out ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
         ), marked AS (
             UPDATE webhook_message m SET fanned_out = TRUE FROM picked WHERE m.id = picked.id
             RETURNING m.id, m.event_type, m.dispatch_area
         ), queued AS (
             INSERT INTO webhook_delivery (message_id, endpoint_id)
             SELECT m.id, e.id FROM marked m JOIN webhook_endpoint e ON e.enabled AND {WANTS}
             ORDER BY m.id, e.id
         )
         SELECT count(*) AS n FROM marked"
    );
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let taken: Count = diesel::sql_query(sql).bind::<BigInt, _>(limit).get_result(conn)?;
    Ok(taken.n as usize)
}

/// Queues again, for one endpoint, every message (but tests) created since `since`
/// that it wants; the number queued.
pub fn replay(conn: &mut PgConnection, endpoint: i64, since: DateTime<Utc>) -> QueryResult<usize> {
    let sql = format!(
        "INSERT INTO webhook_delivery (message_id, endpoint_id)
         SELECT m.id, e.id FROM webhook_message m JOIN webhook_endpoint e ON e.id = $1 AND {WANTS}
         WHERE m.created_at >= $2 AND m.event_type <> 'webhook.test'
         ORDER BY m.id"
    );
    diesel::sql_query(sql)
        .bind::<BigInt, _>(endpoint)
        .bind::<Timestamptz, _>(since)
        .execute(conn)
}

/// A delivery taken for sending, with what it needs.
#[derive(Debug, Clone, QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = BigInt)]
    pub delivery_id: i64,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub attempts: i32,
    /// The claim's end, which also names it: an attempt is recorded only under it.
    #[diesel(sql_type = Timestamptz)]
    pub claim: DateTime<Utc>,
    #[diesel(sql_type = BigInt)]
    pub endpoint_id: i64,
    #[diesel(sql_type = Text)]
    pub url: String,
    #[diesel(sql_type = Text)]
    pub secret: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub previous_secret: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub previous_secret_until: Option<DateTime<Utc>>,
    #[diesel(sql_type = Text)]
    pub msg_id: String,
    #[diesel(sql_type = Text)]
    pub event_type: String,
    #[diesel(sql_type = Timestamptz)]
    pub occurred_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    pub data: serde_json::Value,
}

/// Claims due deliveries of enabled endpoints (of `only`, when given) for `lease_secs`
/// (another instance skips them meanwhile): at most `per_endpoint` of each endpoint,
/// oldest first, and none of an endpoint that has a delivery claimed right now (by any
/// instance: one sender per endpoint keeps commit order) or is in `busy` (this
/// instance's senders at work).
pub fn claim_due(
    conn: &mut PgConnection,
    limit: i64,
    per_endpoint: i64,
    lease_secs: f64,
    busy: &[i64],
    only: Option<i64>,
) -> QueryResult<Vec<Claimed>> {
    // Claims are taken one instance at a time, so that each sees the others' claims and an
    // endpoint never has two senders (the lock ends with this short transaction).
    conn.transaction(|conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(CLAIM_LOCK)
            .execute(conn)?;
        diesel::sql_query(
            "WITH ranked AS (
                 SELECT d.id, row_number() OVER (PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.id) AS rank
                 FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id AND e.enabled
                 WHERE d.status = 'pending' AND d.next_attempt_at <= now()
                   AND (d.claimed_until IS NULL OR d.claimed_until < now())
                   AND d.endpoint_id <> ALL ($4) AND ($5::int8 IS NULL OR d.endpoint_id = $5)
                   AND NOT EXISTS (SELECT 1 FROM webhook_delivery x WHERE x.endpoint_id = d.endpoint_id
                                   AND x.status = 'pending' AND x.claimed_until >= now())
             ), due AS (
                 SELECT d.id FROM webhook_delivery d JOIN ranked r ON r.id = d.id AND r.rank <= $2
                 WHERE d.status = 'pending' AND (d.claimed_until IS NULL OR d.claimed_until < now())
                 ORDER BY d.next_attempt_at, d.id LIMIT $1 FOR UPDATE OF d SKIP LOCKED
             ), taken AS (
                 UPDATE webhook_delivery d SET claimed_until = clock_timestamp() + make_interval(secs => $3)
                 FROM due WHERE d.id = due.id RETURNING d.id, d.attempts, d.endpoint_id, d.message_id, d.claimed_until
             )
             SELECT t.id AS delivery_id, t.attempts, t.claimed_until AS claim, t.endpoint_id, e.url, e.secret,
                    e.previous_secret, e.previous_secret_until, m.msg_id, m.event_type, m.occurred_at, m.data
             FROM taken t JOIN webhook_endpoint e ON e.id = t.endpoint_id JOIN webhook_message m ON m.id = t.message_id
             ORDER BY t.endpoint_id, t.id",
        )
        .bind::<BigInt, _>(limit)
        .bind::<BigInt, _>(per_endpoint)
        .bind::<diesel::sql_types::Double, _>(lease_secs)
        .bind::<diesel::sql_types::Array<BigInt>, _>(busy)
        .bind::<Nullable<BigInt>, _>(only)
        .load(conn)
    })
}

/// Key of the advisory lock that serialises claims across instances.
const CLAIM_LOCK: i64 = 0x7768_6b5f_636c_6d21;

/// Gives claims back unused (the sender stopped early).
pub fn release(conn: &mut PgConnection, claims: &[(i64, DateTime<Utc>)]) -> QueryResult<usize> {
    let mut n = 0;
    for (id, claim) in claims {
        n += diesel::update(
            webhook_delivery::table
                .find(id)
                .filter(webhook_delivery::claimed_until.eq(claim)),
        )
        .set(webhook_delivery::claimed_until.eq(None::<DateTime<Utc>>))
        .execute(conn)?;
    }
    Ok(n)
}

/// How an attempt ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// 2xx.
    Delivered { status: i32 },
    /// Try again at `next` (`None`: give up).
    Failed {
        status: Option<i32>,
        error: String,
        next: Option<DateTime<Utc>>,
    },
}

/// Records an attempt of a delivery still under this claim (`Ok(None)` when the claim
/// ran out and another instance took the delivery), and the endpoint's failure run:
/// its start after this attempt (`Some(None)` after a success).
pub fn record_attempt(
    conn: &mut PgConnection,
    delivery: i64,
    claim: DateTime<Utc>,
    endpoint: i64,
    outcome: &Outcome,
) -> QueryResult<Option<Option<DateTime<Utc>>>> {
    let d = webhook_delivery::table
        .find(delivery)
        .filter(webhook_delivery::claimed_until.eq(claim));
    match outcome {
        Outcome::Delivered { status } => {
            let recorded = diesel::update(d)
                .set((
                    webhook_delivery::status.eq("succeeded"),
                    webhook_delivery::attempts.eq(webhook_delivery::attempts + 1),
                    webhook_delivery::last_attempt_at.eq(now),
                    webhook_delivery::delivered_at.eq(now),
                    webhook_delivery::response_status.eq(Some(*status)),
                    webhook_delivery::last_error.eq(None::<String>),
                    webhook_delivery::claimed_until.eq(None::<DateTime<Utc>>),
                ))
                .execute(conn)?;
            if recorded == 0 {
                return Ok(None);
            }
            diesel::update(webhook_endpoint::table.find(endpoint))
                .set(webhook_endpoint::failing_since.eq(None::<DateTime<Utc>>))
                .execute(conn)?;
            Ok(Some(None))
        }
        Outcome::Failed { status, error, next } => {
            let state = if next.is_some() { "pending" } else { "failed" };
            let recorded = diesel::update(d)
                .set((
                    webhook_delivery::status.eq(state),
                    webhook_delivery::attempts.eq(webhook_delivery::attempts + 1),
                    webhook_delivery::last_attempt_at.eq(now),
                    webhook_delivery::next_attempt_at.eq(next.unwrap_or_else(Utc::now)),
                    webhook_delivery::response_status.eq(*status),
                    webhook_delivery::last_error.eq(Some(error.chars().take(500).collect::<String>())),
                    webhook_delivery::claimed_until.eq(None::<DateTime<Utc>>),
                ))
                .execute(conn)?;
            if recorded == 0 {
                return Ok(None);
            }
            diesel::update(webhook_endpoint::table.find(endpoint))
                .set(
                    webhook_endpoint::failing_since.eq(diesel::dsl::sql::<Nullable<Timestamptz>>(
                        "coalesce(failing_since, now())",
                    )),
                )
                .returning(webhook_endpoint::failing_since)
                .get_result(conn)
                .map(Some)
        }
    }
}

/// Disables an endpoint unless it already is; whether this call did it.
pub fn disable(conn: &mut PgConnection, id: i64, reason: &str) -> QueryResult<bool> {
    let n = diesel::update(webhook_endpoint::table.find(id).filter(webhook_endpoint::enabled))
        .set((
            webhook_endpoint::enabled.eq(false),
            webhook_endpoint::disabled_reason.eq(reason),
            webhook_endpoint::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 1 {
        abandon_pending(conn, id)?;
    }
    Ok(n == 1)
}

/// Marks a disabled endpoint's waiting deliveries failed: after it is enabled again, a
/// replay sends what it missed, once.
pub fn abandon_pending(conn: &mut PgConnection, endpoint: i64) -> QueryResult<usize> {
    diesel::update(
        webhook_delivery::table
            .filter(webhook_delivery::endpoint_id.eq(endpoint))
            .filter(webhook_delivery::status.eq("pending")),
    )
    .set((
        webhook_delivery::status.eq("failed"),
        webhook_delivery::last_error.eq("the endpoint was disabled"),
    ))
    .execute(conn)
}

/// A delivery as listed, with its message's id and type.
#[derive(Debug, Clone, Queryable)]
pub struct DeliveryRow {
    pub id: i64,
    pub endpoint_id: i64,
    pub msg_id: String,
    pub event_type: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub response_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// An endpoint's deliveries, newest first, after the row id `before`.
pub fn deliveries(
    conn: &mut PgConnection,
    endpoint: i64,
    status: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    let mut q = webhook_delivery::table
        .inner_join(webhook_message::table)
        .filter(webhook_delivery::endpoint_id.eq(endpoint))
        .select((
            webhook_delivery::id,
            webhook_delivery::endpoint_id,
            webhook_message::msg_id,
            webhook_message::event_type,
            webhook_delivery::status,
            webhook_delivery::attempts,
            webhook_delivery::next_attempt_at,
            webhook_delivery::last_attempt_at,
            webhook_delivery::response_status,
            webhook_delivery::last_error,
            webhook_delivery::created_at,
            webhook_delivery::delivered_at,
        ))
        .into_boxed();
    if let Some(status) = status {
        q = q.filter(webhook_delivery::status.eq(status.to_string()));
    }
    if let Some(before) = before {
        q = q.filter(webhook_delivery::id.lt(before));
    }
    q.order(webhook_delivery::id.desc()).limit(limit + 1).load(conn)
}

/// Puts a delivery back in the queue for an attempt now; its endpoint (`None`: no such delivery).
pub fn retry(conn: &mut PgConnection, delivery: i64) -> QueryResult<Option<i64>> {
    // A delivery in flight keeps its claim: the retry is its next attempt, not a second sender.
    diesel::update(webhook_delivery::table.find(delivery))
        .set((
            webhook_delivery::status.eq("pending"),
            webhook_delivery::next_attempt_at.eq(now),
        ))
        .returning(webhook_delivery::endpoint_id)
        .get_result(conn)
        .optional()
}

/// Deletes messages (and their deliveries) created before `before`; how many.
pub fn purge(conn: &mut PgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(
        webhook_message::table
            .filter(webhook_message::created_at.lt(before))
            .filter(webhook_message::fanned_out),
    )
    .execute(conn)
}
