//! The schedules table: one row per schedule or queued task.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::limits::{page_len, Cursor};
use super::when::{Plan, Retry, ScheduleKind};
use crate::storage::sql::{Sql, SqlValue};
use crate::{params, Result};

/// A stored schedule, as `get_schedule(s)` return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::Schema)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    /// Its id.
    pub id: String,
    /// The task it runs.
    pub callback: String,
    /// The task's payload.
    pub payload: Value,
    /// Delayed, scheduled, cron, interval or queued.
    pub kind: ScheduleKind,
    /// When it runs next (Unix ms).
    pub due_ms: i64,
    /// The cron expression (cron schedules).
    pub cron: Option<String>,
    /// The IANA time zone of the cron expression (`None`: UTC).
    pub zone: Option<String>,
    /// The period (interval schedules).
    pub interval_ms: Option<i64>,
    /// `pending`, or `failed` once a one-shot task used all its attempts.
    pub status: ScheduleStatus,
    /// Failed attempts of the current run.
    pub attempts: u32,
    /// The retry policy.
    pub retry: Retry,
    /// Completed runs (successful or finally failed).
    pub runs: u32,
    /// Failed attempts in all.
    pub failures: u32,
    /// The last failure's message.
    pub last_error: Option<String>,
    /// When it was created (Unix ms).
    pub created_ms: i64,
}

/// Whether a schedule will still run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, crate::Schema)]
#[serde(rename_all = "lowercase")]
pub enum ScheduleStatus {
    /// Waiting for its due time.
    Pending,
    /// A one-shot task that failed every attempt; kept for inspection.
    Failed,
}

/// Which schedules `get_schedules` returns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScheduleFilter {
    /// Only this kind.
    pub kind: Option<ScheduleKind>,
    /// Only this status.
    pub status: Option<ScheduleStatus>,
    /// Only this task.
    pub callback: Option<String>,
    /// Due at or after this time (Unix ms).
    pub due_from: Option<i64>,
    /// Due at or before this time (Unix ms).
    pub due_to: Option<i64>,
}

#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) id: String,
    pub(crate) callback: String,
    pub(crate) payload: String,
    pub(crate) kind: ScheduleKind,
    pub(crate) due_ms: i64,
    pub(crate) anchor_ms: i64,
    pub(crate) cron: Option<String>,
    pub(crate) zone: Option<String>,
    pub(crate) interval_ms: Option<i64>,
    pub(crate) status: ScheduleStatus,
    pub(crate) attempts: u32,
    pub(crate) max_attempts: u32,
    pub(crate) base_delay_ms: i64,
    pub(crate) max_delay_ms: i64,
    pub(crate) runs: u32,
    pub(crate) failures: u32,
    pub(crate) last_error: Option<String>,
    pub(crate) created_ms: i64,
}

/// A row's values in column order, read by hand: the schedule rows are read
/// on hot paths, and a serde decoder for them would be a large part of the
/// bundle. `None`: a value of another type than its column holds.
struct Values(std::vec::IntoIter<SqlValue>);

impl Values {
    fn text(&mut self) -> Option<String> {
        self.text_or_null()?
    }

    fn text_or_null(&mut self) -> Option<Option<String>> {
        match self.0.next()? {
            SqlValue::String(text) => Some(Some(text)),
            SqlValue::Null => Some(None),
            _ => None,
        }
    }

    fn int(&mut self) -> Option<i64> {
        self.int_or_null()?
    }

    fn int_or_null(&mut self) -> Option<Option<i64>> {
        match self.0.next()? {
            SqlValue::Integer(n) => Some(Some(n)),
            SqlValue::Null => Some(None),
            _ => None,
        }
    }

    fn count(&mut self) -> Option<u32> {
        u32::try_from(self.int()?).ok()
    }
}

/// Runs `query` (its columns those `decode` reads) and decodes its rows.
fn read<T>(sql: &Sql, query: &str, values: Vec<SqlValue>, decode: fn(&mut Values) -> Option<T>) -> Result<Vec<T>> {
    let rows = sql.run(query, values)?.values().map(|row| row.map(|row| decode(&mut Values(row.into_iter()))));
    collect_until(query, rows, |_| false)
}

/// The decoded rows of `query` (`None`: a row that does not decode), taking
/// no more after the first one `last` says is the last (the runtime steps the
/// statement as rows are taken: the others are never read).
fn collect_until<T>(
    query: &str,
    rows: impl Iterator<Item = std::result::Result<Option<T>, String>>,
    mut last: impl FnMut(&T) -> bool,
) -> Result<Vec<T>> {
    let mut read = Vec::new();
    for row in rows {
        let failed = |message: String| crate::Error::Sql { query: query.to_owned(), message };
        let row = row.map_err(failed)?.ok_or_else(|| failed("row decoding: a column of another type".into()))?;
        let stop = last(&row);
        read.push(row);
        if stop {
            break;
        }
    }
    Ok(read)
}

impl Row {
    /// A row of `SELECT {COLUMNS}`.
    fn decode(v: &mut Values) -> Option<Row> {
        Some(Row {
            id: v.text()?,
            callback: v.text()?,
            payload: v.text()?,
            kind: ScheduleKind::parse(&v.text()?)?,
            due_ms: v.int()?,
            anchor_ms: v.int()?,
            cron: v.text_or_null()?,
            zone: v.text_or_null()?,
            interval_ms: v.int_or_null()?,
            status: match v.text()?.as_str() {
                "pending" => ScheduleStatus::Pending,
                "failed" => ScheduleStatus::Failed,
                _ => return None,
            },
            attempts: v.count()?,
            max_attempts: v.count()?,
            base_delay_ms: v.int()?,
            max_delay_ms: v.int()?,
            runs: v.count()?,
            failures: v.count()?,
            last_error: v.text_or_null()?,
            created_ms: v.int()?,
        })
    }

    pub(crate) fn retry(&self) -> Retry {
        Retry { max_attempts: self.max_attempts, base_delay_ms: self.base_delay_ms, max_delay_ms: self.max_delay_ms }
    }

    pub(crate) fn into_schedule(self) -> Schedule {
        let retry = self.retry();
        Schedule {
            payload: serde_json::from_str(&self.payload).unwrap_or(Value::Null),
            id: self.id,
            callback: self.callback,
            kind: self.kind,
            due_ms: self.due_ms,
            cron: self.cron,
            zone: self.zone,
            interval_ms: self.interval_ms,
            status: self.status,
            attempts: self.attempts,
            retry,
            runs: self.runs,
            failures: self.failures,
            last_error: self.last_error,
            created_ms: self.created_ms,
        }
    }
}

const COLUMNS: &str = "id, callback, payload, kind, due_ms, anchor_ms, cron, zone, interval_ms, status, attempts, \
    max_attempts, base_delay_ms, max_delay_ms, runs, failures, last_error, created_ms";

pub(crate) struct NewSchedule<'a> {
    pub(crate) id: &'a str,
    pub(crate) callback: &'a str,
    pub(crate) payload: &'a str,
    pub(crate) plan: &'a Plan,
    pub(crate) retry: Retry,
    pub(crate) now: i64,
}

impl NewSchedule<'_> {
    /// The record as `get_schedule` would read it back right after `insert`.
    pub(crate) fn to_schedule(&self) -> Schedule {
        Schedule {
            id: self.id.to_owned(),
            callback: self.callback.to_owned(),
            payload: serde_json::from_str(self.payload).unwrap_or(Value::Null),
            kind: self.plan.kind,
            due_ms: self.plan.due_ms,
            cron: self.plan.cron.clone(),
            zone: self.plan.zone.clone(),
            interval_ms: self.plan.interval_ms,
            status: ScheduleStatus::Pending,
            attempts: 0,
            retry: Retry { max_attempts: self.retry.max_attempts.max(1), ..self.retry },
            runs: 0,
            failures: 0,
            last_error: None,
            created_ms: self.now,
        }
    }
}

pub(crate) fn insert(sql: &Sql, new: &NewSchedule<'_>) -> Result<()> {
    let plan = new.plan;
    sql.execute(
        "INSERT INTO cf_agents_schedules (id, callback, payload, kind, due_ms, anchor_ms, cron, zone, interval_ms, \
         status, attempts, max_attempts, base_delay_ms, max_delay_ms, runs, failures, last_error, created_ms) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, 0, 0, NULL, ?)",
        params![
            new.id,
            new.callback,
            new.payload,
            plan.kind.as_str(),
            plan.due_ms,
            plan.due_ms,
            plan.cron.clone(),
            plan.zone.clone(),
            plan.interval_ms,
            i64::from(new.retry.max_attempts.max(1)),
            new.retry.base_delay_ms,
            new.retry.max_delay_ms,
            new.now
        ],
    )?;
    Ok(())
}

pub(crate) fn get(sql: &Sql, id: &str) -> Result<Option<Row>> {
    let query = format!("SELECT {COLUMNS} FROM cf_agents_schedules WHERE id = ?");
    Ok(read(sql, &query, params![id], Row::decode)?.into_iter().next())
}

/// An existing pending schedule of the same task, payload and timing.
pub(crate) fn find_same(sql: &Sql, callback: &str, payload: &str, plan: &Plan) -> Result<Option<Row>> {
    let mut query = format!(
        "SELECT {COLUMNS} FROM cf_agents_schedules WHERE status = 'pending' AND callback = ? AND payload = ? AND kind = ?"
    );
    let mut values: Vec<SqlValue> = params![callback, payload, plan.kind.as_str()];
    match plan.kind {
        ScheduleKind::Cron => {
            query.push_str(" AND cron = ? AND zone IS ?");
            values.push(plan.cron.clone().into());
            values.push(plan.zone.clone().into());
        }
        ScheduleKind::Interval => {
            query.push_str(" AND interval_ms = ?");
            values.push(plan.interval_ms.into());
        }
        _ => {
            query.push_str(" AND due_ms = ?");
            values.push(plan.due_ms.into());
        }
    }
    query.push_str(" LIMIT 1");
    Ok(read(sql, &query, values, Row::decode)?.into_iter().next())
}

/// `WHERE …` for `filter`, and its values.
fn filter_clause(filter: &ScheduleFilter) -> (String, Vec<SqlValue>) {
    let mut clause = String::from(" WHERE 1 = 1");
    let mut values: Vec<SqlValue> = Vec::new();
    if let Some(kind) = filter.kind {
        clause.push_str(" AND kind = ?");
        values.push(kind.as_str().into());
    }
    if let Some(status) = filter.status {
        clause.push_str(" AND status = ?");
        values.push(
            match status {
                ScheduleStatus::Pending => "pending",
                ScheduleStatus::Failed => "failed",
            }
            .into(),
        );
    }
    if let Some(callback) = &filter.callback {
        clause.push_str(" AND callback = ?");
        values.push(callback.as_str().into());
    }
    if let Some(from) = filter.due_from {
        clause.push_str(" AND due_ms >= ?");
        values.push(from.into());
    }
    if let Some(to) = filter.due_to {
        clause.push_str(" AND due_ms <= ?");
        values.push(to.into());
    }
    (clause, values)
}

/// ` AND id NOT IN (…)` for `skip` (nothing when it is empty), and its value.
fn skip_clause(skip: &[String], clause: &mut String, values: &mut Vec<SqlValue>) {
    if !skip.is_empty() {
        clause.push_str(" AND id NOT IN (SELECT value FROM json_each(?))");
        values.push(serde_json::Value::from(skip.to_vec()).to_string().into());
    }
}

struct Size {
    seq: i64,
    due_ms: i64,
    bytes: i64,
}

/// A page of the schedules matching `filter` after `after`, in (due time,
/// insertion) order: at most `limit` rows and `budget` payload bytes (at
/// least one row), and the cursor of its last row when more follow.
///
/// The sizes are read first (SQLite measures the payloads, nothing is sent),
/// then only the rows that fit, in the same synchronous turn.
pub(crate) fn page(
    sql: &Sql,
    filter: &ScheduleFilter,
    after: Option<Cursor>,
    skip: &[String],
    limit: usize,
    budget: usize,
) -> Result<(Vec<Row>, Option<Cursor>)> {
    let (mut clause, mut values) = filter_clause(filter);
    if let Some(after) = after {
        clause.push_str(" AND (due_ms, rowid) > (?, ?)");
        values.push(after.due_ms.into());
        values.push(after.seq.into());
    }
    skip_clause(skip, &mut clause, &mut values);
    let limit = limit.max(1);
    let mut probe = values.clone();
    probe.push((limit as i64 + 1).into());
    let sizes = read(
        sql,
        &format!(
            "SELECT rowid AS seq, due_ms, length(CAST(payload AS BLOB)) AS bytes FROM cf_agents_schedules{clause} \
             ORDER BY due_ms, rowid LIMIT ?"
        ),
        probe,
        |v| Some(Size { seq: v.int()?, due_ms: v.int()?, bytes: v.int()? }),
    )?;
    let taken = page_len(sizes.iter().map(|s| usize::try_from(s.bytes).unwrap_or(usize::MAX)), limit, budget);
    let Some(last) = taken.checked_sub(1).map(|i| Cursor { due_ms: sizes[i].due_ms, seq: sizes[i].seq }) else {
        return Ok((Vec::new(), None));
    };
    clause.push_str(" AND (due_ms, rowid) <= (?, ?)");
    values.push(last.due_ms.into());
    values.push(last.seq.into());
    values.push((taken as i64).into());
    let query = format!("SELECT {COLUMNS} FROM cf_agents_schedules{clause} ORDER BY due_ms, rowid LIMIT ?");
    let rows = read(sql, &query, values, Row::decode)?;
    Ok((rows, (taken < sizes.len()).then_some(last)))
}

/// A due schedule as the alarm reads it: what running it takes. The rest of
/// its row is read only when its outcome needs it (a repeat, a failure).
#[derive(Debug)]
pub(crate) struct Due {
    pub(crate) id: String,
    pub(crate) callback: String,
    pub(crate) payload: String,
    /// A cron or interval schedule.
    pub(crate) repeats: bool,
    pub(crate) attempts: u32,
}

/// A due row packed by SQLite into one text, so that reading it takes one
/// value from the runtime instead of five: `<0|1 repeats><attempts>:` then
/// the id and the callback, each as `<bytes>:<text>`, then the payload.
const DUE_PACKED: &str = "(kind IN ('cron', 'interval')) || attempts || ':' || \
     length(CAST(id AS BLOB)) || ':' || id || length(CAST(callback AS BLOB)) || ':' || callback || payload";

impl Due {
    /// A row packed as [`DUE_PACKED`] says.
    fn unpack(mut text: String) -> Option<Due> {
        let repeats = match text.as_bytes().first()? {
            b'0' => false,
            b'1' => true,
            _ => return None,
        };
        let mut rest = &text[1..];
        let attempts = u32::try_from(take_number(&mut rest)?).ok()?;
        let id_bytes = take_number(&mut rest)?;
        let id = take(&mut rest, id_bytes)?.to_owned();
        let callback_bytes = take_number(&mut rest)?;
        let callback = take(&mut rest, callback_bytes)?.to_owned();
        let payload_at = text.len() - rest.len();
        text.replace_range(..payload_at, "");
        Some(Due { id, callback, payload: text, repeats, attempts })
    }
}

/// The decimal number before the next `:`.
fn take_number(rest: &mut &str) -> Option<usize> {
    let (digits, tail) = rest.split_once(':')?;
    *rest = tail;
    digits.parse().ok()
}

/// The next `bytes` bytes.
fn take<'a>(rest: &mut &'a str, bytes: usize) -> Option<&'a str> {
    let head = rest.get(..bytes)?;
    *rest = &rest[bytes..];
    Some(head)
}

/// Pending schedules due at or before `now`, earliest (then oldest) first,
/// but for those in `skip`: at most `limit`, and no more once `budget`
/// payload bytes are read (the row that reaches it is the last one).
///
/// One query, read row by row: the runtime steps the statement as its rows
/// are taken, so rows after the budget are never read.
pub(crate) fn due(sql: &Sql, now: i64, skip: &[String], limit: usize, budget: usize) -> Result<Vec<Due>> {
    let mut clause = String::from(" WHERE status = 'pending' AND due_ms <= ?");
    let mut values: Vec<SqlValue> = params![now];
    skip_clause(skip, &mut clause, &mut values);
    values.push((limit.max(1) as i64).into());
    let query = format!("SELECT {DUE_PACKED} FROM cf_agents_schedules{clause} ORDER BY due_ms, rowid LIMIT ?");
    let rows = sql.run(&query, values)?.first_texts().map(|text| text.map(|text| text.and_then(Due::unpack)));
    let mut bytes = 0;
    collect_until(&query, rows, |row| {
        bytes += row.payload.len();
        bytes >= budget
    })
}

/// The one integer (or `NULL`) `query` returns.
fn number(sql: &Sql, query: &str, values: Vec<SqlValue>) -> Result<Option<i64>> {
    Ok(read(sql, query, values, Values::int_or_null)?.into_iter().next().flatten())
}

/// The bytes of payload the table holds.
pub(crate) fn payload_bytes(sql: &Sql) -> Result<u64> {
    let n = number(sql, "SELECT COALESCE(SUM(length(CAST(payload AS BLOB))), 0) FROM cf_agents_schedules", params![])?;
    Ok(n.unwrap_or(0).max(0) as u64)
}

/// How many schedules the table holds (pending and failed).
pub(crate) fn count(sql: &Sql) -> Result<u64> {
    Ok(number(sql, "SELECT COUNT(*) FROM cf_agents_schedules", params![])?.unwrap_or(0).max(0) as u64)
}

/// The earliest due time of any pending schedule but those in `skip`.
pub(crate) fn earliest_due(sql: &Sql, skip: &[String]) -> Result<Option<i64>> {
    let mut clause = String::from(" WHERE status = 'pending'");
    let mut values = Vec::new();
    skip_clause(skip, &mut clause, &mut values);
    number(sql, &format!("SELECT MIN(due_ms) FROM cf_agents_schedules{clause}"), values)
}

pub(crate) fn delete(sql: &Sql, id: &str) -> Result<bool> {
    Ok(sql.execute("DELETE FROM cf_agents_schedules WHERE id = ?", params![id])? > 0)
}

/// Deletes the schedules `ids`, in one statement.
pub(crate) fn delete_all(sql: &Sql, ids: &[String]) -> Result<()> {
    sql.execute(
        "DELETE FROM cf_agents_schedules WHERE id IN (SELECT value FROM json_each(?))",
        params![serde_json::Value::from(ids.to_vec()).to_string()],
    )?;
    Ok(())
}

/// What a run changed about a schedule.
pub(crate) struct Update<'a> {
    pub(crate) due_ms: i64,
    pub(crate) anchor_ms: i64,
    pub(crate) status: &'a str,
    pub(crate) attempts: u32,
    pub(crate) runs: u32,
    pub(crate) failures: u32,
    pub(crate) last_error: Option<&'a str>,
}

pub(crate) fn update(sql: &Sql, id: &str, u: &Update<'_>) -> Result<()> {
    sql.execute(
        "UPDATE cf_agents_schedules SET due_ms = ?, anchor_ms = ?, status = ?, attempts = ?, runs = ?, failures = ?, \
         last_error = ? WHERE id = ?",
        params![
            u.due_ms,
            u.anchor_ms,
            u.status,
            i64::from(u.attempts),
            i64::from(u.runs),
            i64::from(u.failures),
            u.last_error,
            id
        ],
    )?;
    Ok(())
}

/// A row whose outcome could not be recorded: one more failed attempt, the
/// reason, and the time it is tried again.
pub(crate) fn mark_troubled(sql: &Sql, id: &str, due_ms: i64, message: &str) -> Result<()> {
    sql.execute(
        "UPDATE cf_agents_schedules SET due_ms = ?, attempts = attempts + 1, failures = failures + 1, last_error = ? \
         WHERE id = ?",
        params![due_ms, message, id],
    )?;
    Ok(())
}

pub(crate) fn set_due(sql: &Sql, id: &str, due_ms: i64) -> Result<bool> {
    Ok(sql.execute(
        "UPDATE cf_agents_schedules SET due_ms = ? WHERE id = ? AND status = 'pending'",
        params![due_ms, id],
    )? > 0)
}

#[cfg(test)]
mod tests {
    use super::Due;

    /// What SQLite makes of a row with `DUE_PACKED`.
    fn pack(repeats: bool, attempts: u32, id: &str, callback: &str, payload: &str) -> String {
        format!("{}{attempts}:{}:{id}{}:{callback}{payload}", u8::from(repeats), id.len(), callback.len())
    }

    #[test]
    fn unpacks_a_due_row() {
        let due = Due::unpack(pack(false, 3, "a:b\u{0}é", "on_tick", r#"{"i":1,"s":"x:9:"}"#)).unwrap();
        assert_eq!((due.id.as_str(), due.callback.as_str()), ("a:b\u{0}é", "on_tick"));
        assert_eq!(due.payload, r#"{"i":1,"s":"x:9:"}"#);
        assert_eq!((due.repeats, due.attempts), (false, 3));
        let due = Due::unpack(pack(true, 0, "", "ñ", "null")).unwrap();
        assert_eq!(
            (due.id.as_str(), due.callback.as_str(), due.payload.as_str(), due.repeats),
            ("", "ñ", "null", true)
        );
    }

    #[test]
    fn refuses_what_is_not_a_packed_row() {
        for text in ["", "2", "0x:1:a1:bp", "0-1:1:a1:bp", "01:9:a1:bp", "01:1:a9:bp", "01:2:é", "01:1:é1:bp"] {
            assert!(Due::unpack(text.to_owned()).is_none(), "{text:?}");
        }
    }
}
