//! The two kinds of client: scan stations (single endpoints) and batch phones.

use super::*;

/// Status and JSON body, or `None` for a network error, a timeout or a cut-off body.
pub(crate) async fn read(sent: Result<reqwest::Response, reqwest::Error>) -> Option<(u16, Value)> {
    let res = sent.ok()?;
    let status = res.status().as_u16();
    let bytes = res.bytes().await.ok()?;
    Some((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
}

/// One station: fills its own parents (`SB…`) with new 7-digit children.
pub(crate) async fn station(shared: Arc<Shared>, id: usize) -> Tally {
    let clients = shared.args.clients + shared.args.batch_clients;
    let mut st = match Station::signed_in(shared, format!("drill{id:02}")).await {
        Ok(st) => st,
        Err(tally) => return tally,
    };
    let (parent_stride, child_stride) = (PARENT_IDS / clients, CHILD_IDS / clients);
    let (mut parent_no, mut child_no) = (0, 0);
    'parents: while !st.stopped() && parent_no < parent_stride {
        let parent = format!("SB{:05}", id * parent_stride + parent_no);
        parent_no += 1;
        let key = format!("{}-p{parent_no}", st.name);
        let body = json!({"qr_id": parent, "occurred_at": rfc3339(now_ms())});
        match st.send("/api/v1/scans/parent", &body, &key).await {
            None => break,
            Some((200 | 201, _)) => {}
            Some((status, answer)) => {
                st.tally
                    .unexpected
                    .push(format!("POST /api/v1/scans/parent {body} -> {status} {answer}"));
                continue;
            }
        }
        while !st.stopped() && child_no < child_stride {
            let child = format!("{:07}", id * child_stride + child_no);
            child_no += 1;
            let key = format!("{}-c{child_no}", st.name);
            let body = json!({"parent_qr_id": parent, "qr_id": child, "occurred_at": rfc3339(now_ms())});
            let Some((status, answer)) = st.send("/api/v1/scans/child", &body, &key).await else {
                break 'parents;
            };
            let outcome = answer["outcome"].as_str().unwrap_or_default();
            if (200..300).contains(&status)
                && (outcome == "linked" || outcome == "already_linked")
                && answer["parent"]["qr_id"] == parent.as_str()
            {
                st.acknowledged(child, &parent);
                if answer["parent"]["remaining"].as_i64() == Some(0) {
                    continue 'parents;
                }
            } else if status == 409 && answer["code"] == "parent_full" {
                continue 'parents;
            } else {
                st.tally
                    .unexpected
                    .push(format!("POST /api/v1/scans/child {body} -> {status} {answer}"));
                continue 'parents;
            }
        }
    }
    st.tally
}

/// One phone with an offline queue: collects a new parent and its children while "in a
/// dead zone", then replays them as one batch, again and again.
pub(crate) async fn phone(shared: Arc<Shared>, no: usize) -> Tally {
    let clients = shared.args.clients + shared.args.batch_clients;
    let id = shared.args.clients + no;
    let mut st = match Station::signed_in(shared, format!("phone{no:02}")).await {
        Ok(st) => st,
        Err(tally) => return tally,
    };
    let (parent_stride, child_stride) = (PARENT_IDS / clients, CHILD_IDS / clients);
    let (mut parent_no, mut child_no) = (0, 0);
    let mut batch_no = 0u64;
    while !st.stopped() && parent_no < parent_stride && child_no + BATCH_MAX_CHILDREN <= child_stride {
        let parent = format!("SB{:05}", id * parent_stride + parent_no);
        parent_no += 1;
        batch_no += 1;
        // 4 to 33 children: some batches run past the capacity of 30.
        let children = 4 + (batch_no as usize * 7) % (BATCH_MAX_CHILDREN - 3);
        // Captured 300 ms apart while offline, stamped then.
        let captured = now_ms() - 300 * (children as u64 + 1);
        let at = |i: usize| rfc3339(captured + 300 * i as u64);
        let mut events = vec![json!({
            "kind": "parent",
            "qr_id": parent,
            "idempotency_key": format!("{}-p{parent_no}", st.name),
            "occurred_at": at(0),
            "station_id": st.name,
        })];
        for i in 1..=children {
            let child = format!("{:07}", id * child_stride + child_no);
            child_no += 1;
            events.push(json!({
                "kind": "child",
                "qr_id": child,
                "parent_qr_id": parent,
                "idempotency_key": format!("{}-c{child_no}", st.name),
                "occurred_at": at(i),
                "station_id": st.name,
            }));
        }
        st.tally.batch.batches += 1;
        st.tally.batch.events += events.len() as u64;
        if !st.replay(batch_no, events).await {
            break;
        }
    }
    st.tally
}

/// Stops the load when the script writes `stop` (or after `--max-seconds`).
pub(crate) async fn watch(shared: Arc<Shared>) {
    let started = Instant::now();
    let limit = Duration::from_secs(shared.args.max_seconds);
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let text = std::fs::read_to_string(&shared.args.markers).unwrap_or_default();
        if text.lines().any(|l| l.ends_with(" stop")) {
            break;
        }
        if started.elapsed() > limit {
            eprintln!("drill: no stop marker after {} s; stopping", limit.as_secs());
            break;
        }
    }
    shared.stop.store(true, Ordering::Relaxed);
    tokio::time::sleep(STOP_GRACE).await;
    shared.hard_stop.store(true, Ordering::Relaxed);
}
