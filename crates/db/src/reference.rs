//! Managed lists (dispatch areas, bag formats) and settings.

use diesel::dsl::now;
use diesel::prelude::*;
use tracetrack_api_types::BagRole;

use crate::models::{AreaRow, FormatRow};
use crate::schema::{app_setting, bag_format, dispatch_area};

/// All dispatch areas by name.
pub fn areas(conn: &mut PgConnection) -> QueryResult<Vec<AreaRow>> {
    dispatch_area::table
        .order(dispatch_area::name.asc())
        .select(AreaRow::as_select())
        .load(conn)
}

/// One dispatch area.
pub fn area(conn: &mut PgConnection, code: &str) -> QueryResult<Option<AreaRow>> {
    dispatch_area::table
        .find(code)
        .select(AreaRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts an area; `None` when the code exists.
pub fn insert_area(conn: &mut PgConnection, code: &str, name: &str) -> QueryResult<Option<AreaRow>> {
    diesel::insert_into(dispatch_area::table)
        .values((dispatch_area::code.eq(code), dispatch_area::name.eq(name)))
        .on_conflict_do_nothing()
        .returning(AreaRow::as_returning())
        .get_result(conn)
        .optional()
}

/// Writes an area's name and active flag.
pub fn save_area(conn: &mut PgConnection, a: &AreaRow) -> QueryResult<AreaRow> {
    diesel::update(dispatch_area::table.find(&a.code))
        .set((
            dispatch_area::name.eq(&a.name),
            dispatch_area::active.eq(a.active),
            dispatch_area::updated_at.eq(now),
        ))
        .returning(AreaRow::as_returning())
        .get_result(conn)
}

/// All bag formats in classification order.
pub fn formats(conn: &mut PgConnection) -> QueryResult<Vec<FormatRow>> {
    bag_format::table
        .order((bag_format::sort_order.asc(), bag_format::code.asc()))
        .select(FormatRow::as_select())
        .load(conn)
}

/// One bag format.
pub fn format(conn: &mut PgConnection, code: &str) -> QueryResult<Option<FormatRow>> {
    bag_format::table
        .find(code)
        .select(FormatRow::as_select())
        .first(conn)
        .optional()
}

/// A new bag format.
#[derive(Debug, Insertable)]
#[diesel(table_name = bag_format)]
pub struct NewFormat<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub role: BagRole,
    pub pattern: &'a str,
    pub capacity: Option<i32>,
    pub child_weight_g: Option<i32>,
}

/// Inserts a format; `None` when the code exists.
pub fn insert_format(conn: &mut PgConnection, f: &NewFormat<'_>) -> QueryResult<Option<FormatRow>> {
    diesel::insert_into(bag_format::table)
        .values(f)
        .on_conflict_do_nothing()
        .returning(FormatRow::as_returning())
        .get_result(conn)
        .optional()
}

/// Writes a format's editable fields.
pub fn save_format(conn: &mut PgConnection, f: &FormatRow) -> QueryResult<FormatRow> {
    diesel::update(bag_format::table.find(&f.code))
        .set((
            bag_format::name.eq(&f.name),
            bag_format::pattern.eq(&f.pattern),
            bag_format::capacity.eq(f.capacity),
            bag_format::child_weight_g.eq(f.child_weight_g),
            bag_format::active.eq(f.active),
            bag_format::updated_at.eq(now),
        ))
        .returning(FormatRow::as_returning())
        .get_result(conn)
}

/// Reads a setting, storing `default` first if it is absent (first writer wins).
pub fn setting_or_insert(conn: &mut PgConnection, key: &str, default: &str) -> QueryResult<String> {
    diesel::insert_into(app_setting::table)
        .values((app_setting::key.eq(key), app_setting::value.eq(default)))
        .on_conflict_do_nothing()
        .execute(conn)?;
    app_setting::table.find(key).select(app_setting::value).first(conn)
}
