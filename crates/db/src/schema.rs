// @generated automatically by Diesel CLI.

diesel::table! {
    api_key (id) {
        id -> Int8,
        account_id -> Int8,
        name -> Text,
        prefix -> Text,
        key_hash -> Bytea,
        scopes -> Array<Nullable<Text>>,
        expires_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        last_used_ip -> Nullable<Text>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    app_setting (key) {
        key -> Text,
        value -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    app_user (id) {
        id -> Int8,
        username -> Text,
        email -> Nullable<Text>,
        password_hash -> Text,
        role -> Text,
        dispatch_area -> Nullable<Text>,
        is_active -> Bool,
        totp_secret -> Nullable<Text>,
        totp_enabled -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        last_login_at -> Nullable<Timestamptz>,
        deleted_at -> Nullable<Timestamptz>,
        totp_last_step -> Nullable<Int8>,
        kind -> Text,
        description -> Nullable<Text>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        occurred_at -> Timestamptz,
        actor_id -> Nullable<Int8>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Nullable<Text>,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
        ip -> Nullable<Text>,
        request_id -> Nullable<Text>,
        api_key_id -> Nullable<Int8>,
    }
}

diesel::table! {
    bag (id) {
        id -> Int8,
        qr_id -> Text,
        role -> Text,
        format_code -> Text,
        status -> Text,
        child_count -> Int4,
        capacity -> Nullable<Int4>,
        child_weight_g -> Nullable<Int4>,
        dispatch_area -> Nullable<Text>,
        sealed_reason -> Nullable<Text>,
        sealed_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    bag_format (code) {
        code -> Text,
        name -> Text,
        role -> Text,
        pattern -> Text,
        capacity -> Nullable<Int4>,
        child_weight_g -> Nullable<Int4>,
        active -> Bool,
        sort_order -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    bag_link (child_id) {
        child_id -> Int8,
        parent_id -> Int8,
        linked_by -> Nullable<Int8>,
        linked_at -> Timestamptz,
    }
}

diesel::table! {
    bill (id) {
        id -> Int8,
        bill_number -> Text,
        description -> Nullable<Text>,
        destination -> Nullable<Text>,
        vehicle_number -> Nullable<Text>,
        capacity -> Int4,
        status -> Text,
        parent_count -> Int4,
        child_count -> Int4,
        actual_weight_g -> Int8,
        expected_weight_g -> Int8,
        measured_weight_kg -> Nullable<Float8>,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        completed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    bill_item (bag_id) {
        bag_id -> Int8,
        bill_id -> Int8,
        added_by -> Nullable<Int8>,
        added_at -> Timestamptz,
    }
}

diesel::table! {
    dispatch_area (code) {
        code -> Text,
        name -> Text,
        active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_record (user_id, key) {
        user_id -> Int8,
        key -> Text,
        fingerprint -> Text,
        status_code -> Nullable<Int4>,
        body -> Nullable<Jsonb>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    import_error (import_id, row_number) {
        import_id -> Int8,
        row_number -> Int4,
        code -> Text,
        message -> Text,
    }
}

diesel::table! {
    import_job (id) {
        id -> Int8,
        kind -> Text,
        mode -> Text,
        filename -> Text,
        status -> Text,
        total_rows -> Int4,
        processed_rows -> Int4,
        applied_rows -> Int4,
        error_rows -> Int4,
        message -> Nullable<Text>,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    login_failure (username) {
        username -> Text,
        failures -> Int4,
        locked_until -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
        totp_failures -> Int4,
        totp_window_start -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    notification (id) {
        id -> Int8,
        user_id -> Int8,
        level -> Text,
        title -> Text,
        message -> Text,
        link -> Nullable<Text>,
        read_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    outbox_mail (id) {
        id -> Int8,
        to_address -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        attempts -> Int4,
        last_error -> Nullable<Text>,
        next_attempt_at -> Timestamptz,
        claimed_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    password_reset (token_hash) {
        token_hash -> Text,
        user_id -> Int8,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    promotion_request (id) {
        id -> Int8,
        user_id -> Int8,
        from_role -> Text,
        requested_role -> Text,
        reason -> Text,
        status -> Text,
        decided_by -> Nullable<Int8>,
        decision_note -> Nullable<Text>,
        decided_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    recovery_code (user_id, code_hash) {
        user_id -> Int8,
        code_hash -> Text,
        created_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    refresh_token (token_hash) {
        token_hash -> Text,
        session_id -> Uuid,
        created_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    scan_event (id) {
        id -> Int8,
        occurred_at -> Nullable<Timestamptz>,
        recorded_at -> Timestamptz,
        user_id -> Nullable<Int8>,
        station_id -> Nullable<Text>,
        kind -> Text,
        qr_id -> Nullable<Text>,
        parent_qr_id -> Nullable<Text>,
        bill_id -> Nullable<Int8>,
        outcome -> Text,
        idempotency_key -> Nullable<Text>,
        dispatch_area -> Nullable<Text>,
        refused -> Bool,
    }
}

diesel::table! {
    scan_minute (id) {
        id -> Int8,
        minute -> Timestamptz,
        dispatch_area -> Nullable<Text>,
        scans -> Int8,
    }
}

diesel::table! {
    scan_tally (id) {
        id -> Int8,
        minute -> Timestamptz,
        dispatch_area -> Nullable<Text>,
        user_id -> Nullable<Int8>,
    }
}

diesel::table! {
    scan_user_minute (id) {
        id -> Int8,
        minute -> Timestamptz,
        user_id -> Int8,
        dispatch_area -> Nullable<Text>,
    }
}

diesel::table! {
    scheduled_run (job, run_date) {
        job -> Text,
        run_date -> Date,
        ran_at -> Timestamptz,
    }
}

diesel::table! {
    stat_delta (id) {
        id -> Int8,
        parents -> Int4,
        children -> Int4,
        links -> Int4,
        bills_new -> Int4,
        bills_processing -> Int4,
        bills_completed -> Int4,
    }
}

diesel::table! {
    stat_total (id) {
        id -> Bool,
        parents -> Int8,
        children -> Int8,
        links -> Int8,
        bills_new -> Int8,
        bills_processing -> Int8,
        bills_completed -> Int8,
    }
}

diesel::table! {
    user_session (id) {
        id -> Uuid,
        user_id -> Int8,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        revoked_reason -> Nullable<Text>,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_delivery (id) {
        id -> Int8,
        message_id -> Int8,
        endpoint_id -> Int8,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        claimed_until -> Nullable<Timestamptz>,
        last_attempt_at -> Nullable<Timestamptz>,
        response_status -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        delivered_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhook_endpoint (id) {
        id -> Int8,
        url -> Text,
        description -> Nullable<Text>,
        event_types -> Array<Nullable<Text>>,
        dispatch_area -> Nullable<Text>,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamptz>,
        failing_since -> Nullable<Timestamptz>,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_message (id) {
        id -> Int8,
        msg_id -> Text,
        event_type -> Text,
        occurred_at -> Timestamptz,
        data -> Jsonb,
        dispatch_area -> Nullable<Text>,
        created_at -> Timestamptz,
        fanned_out -> Bool,
    }
}

diesel::joinable!(app_user -> dispatch_area (dispatch_area));
diesel::joinable!(audit_log -> api_key (api_key_id));
diesel::joinable!(audit_log -> app_user (actor_id));
diesel::joinable!(bag -> app_user (created_by));
diesel::joinable!(bag -> bag_format (format_code));
diesel::joinable!(bag -> dispatch_area (dispatch_area));
diesel::joinable!(bag_link -> app_user (linked_by));
diesel::joinable!(bill -> app_user (created_by));
diesel::joinable!(bill_item -> app_user (added_by));
diesel::joinable!(bill_item -> bag (bag_id));
diesel::joinable!(bill_item -> bill (bill_id));
diesel::joinable!(import_error -> import_job (import_id));
diesel::joinable!(import_job -> app_user (created_by));
diesel::joinable!(notification -> app_user (user_id));
diesel::joinable!(password_reset -> app_user (user_id));
diesel::joinable!(recovery_code -> app_user (user_id));
diesel::joinable!(refresh_token -> user_session (session_id));
diesel::joinable!(scan_event -> app_user (user_id));
diesel::joinable!(user_session -> app_user (user_id));
diesel::joinable!(webhook_delivery -> webhook_endpoint (endpoint_id));
diesel::joinable!(webhook_delivery -> webhook_message (message_id));
diesel::joinable!(webhook_endpoint -> app_user (created_by));
diesel::joinable!(webhook_endpoint -> dispatch_area (dispatch_area));

diesel::allow_tables_to_appear_in_same_query!(
    api_key,
    app_setting,
    app_user,
    audit_log,
    bag,
    bag_format,
    bag_link,
    bill,
    bill_item,
    dispatch_area,
    idempotency_record,
    import_error,
    import_job,
    login_failure,
    notification,
    outbox_mail,
    password_reset,
    promotion_request,
    recovery_code,
    refresh_token,
    scan_event,
    scan_minute,
    scan_tally,
    scan_user_minute,
    scheduled_run,
    stat_delta,
    stat_total,
    user_session,
    webhook_delivery,
    webhook_endpoint,
    webhook_message,
);
